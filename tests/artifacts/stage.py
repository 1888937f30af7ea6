"""One synthesized stage as the cloud would see it: its templates, CloudFormation's intrinsic functions
resolved, and the stateful resources created on the emulator exactly as the templates declare them.

Physical names the templates set are used as they are (table, buckets, bus, queues, topic, secrets,
parameters); ids AWS would generate (user pool, app clients) come from the emulator. Identifiers that
only matter for permissions (KMS key ids, CloudFront domains) get a stable stand-in derived from the
logical id. ARNs are written with the stage's account, as AWS would; the emulator's own account is
mapped to it where an ARN comes back from the emulator.
"""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path

from botocore.exceptions import ClientError

EMULATOR_ACCOUNT = "123456789012"  # moto's default account
_NAME_PROPERTY = {  # the property holding a resource's physical name, where the template sets one
    "AWS::DynamoDB::Table": "TableName", "AWS::DynamoDB::GlobalTable": "TableName", "AWS::S3::Bucket": "BucketName",
    "AWS::Events::EventBus": "Name", "AWS::SQS::Queue": "QueueName", "AWS::SNS::Topic": "TopicName",
    "AWS::SecretsManager::Secret": "Name", "AWS::SSM::Parameter": "Name", "AWS::IAM::Role": "RoleName",
    "AWS::Lambda::Function": "FunctionName", "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::StepFunctions::StateMachine": "StateMachineName", "AWS::Events::Rule": "Name",
}


_STAND_INS = {"AWS::CloudFront::PublicKey": "K", "AWS::CloudFront::Distribution": "E",
              "AWS::CloudFront::KeyGroup": "KG"}


class Unresolvable(Exception):
    pass


@dataclass
class Stack:
    name: str  # the stack id within the stage: Data, Api, ...
    template: dict
    region: str
    stack_name: str  # the CloudFormation stack's name

    @property
    def resources(self) -> dict[str, dict]:
        return self.template.get("Resources", {})


@dataclass
class Stage:
    name: str
    account: str
    region: str
    stacks: dict[str, Stack]
    assets: Path  # cdk.out: asset.<hash> directories
    emulator_url: str = ""
    # logical ids -> what the emulator generated (user pools and clients: "Stack/LogicalId" -> id)
    generated: dict[str, str] = field(default_factory=dict)
    secret_arns: dict[str, str] = field(default_factory=dict)  # secret name -> emulator ARN

    @classmethod
    def load(cls, *, name: str, account: str, region: str, assembly: Path, assets: Path) -> Stage:
        manifest = json.loads((assembly / "manifest.json").read_text())
        stacks = {}
        for artifact in manifest["artifacts"].values():
            if artifact["type"] != "aws:cloudformation:stack":
                continue
            stack_id = artifact["displayName"].split("/")[-1]
            template = json.loads((assembly / artifact["properties"]["templateFile"]).read_text())
            stacks[stack_id] = Stack(stack_id, template, artifact["environment"].rsplit("/", 1)[-1],
                                     artifact["properties"].get("stackName", stack_id))
        return cls(name=name, account=account, region=region, stacks=stacks, assets=assets)

    # ---- what is in the templates

    def home_stacks(self) -> list[Stack]:
        return [s for s in self.stacks.values() if s.region == self.region]

    def of_type(self, kind: str) -> list[tuple[Stack, str, dict]]:
        return [(stack, logical_id, resource) for stack in self.home_stacks()
                for logical_id, resource in stack.resources.items() if resource["Type"] == kind]

    def asset(self, code: dict) -> Path:
        """The directory of a Lambda code/layer asset: CDK names the S3 key after the asset hash."""
        key = code.get("S3Key")
        if not isinstance(key, str):
            raise Unresolvable(f"not a file asset: {code}")
        digest = key.removesuffix(".zip")
        exact = self.assets / f"asset.{digest}"
        if exact.is_dir():
            return exact
        # CDK keeps the source folder's extension on the staged name: a checkout in "tmp.x1y2" stages its
        # code as "asset.<hash>.x1y2".
        staged = [path for path in self.assets.glob(f"asset.{digest}.*") if path.is_dir()]
        if len(staged) != 1:
            raise Unresolvable(f"no staged directory for asset {digest}: {staged}")
        return staged[0]

    def export(self, export_name: str) -> tuple[Stack, object]:
        for stack in self.stacks.values():
            for output in stack.template.get("Outputs", {}).values():
                if output.get("Export", {}).get("Name") == export_name:
                    return stack, output["Value"]
        raise Unresolvable(f"no stack of stage {self.name} exports {export_name}")

    # ---- intrinsic functions

    def resolve(self, stack: Stack, value, *, for_policy: bool = False):
        """A template value with every intrinsic function evaluated. ``for_policy``: secrets by their
        ARN pattern (AWS appends six random characters) rather than the emulator's ARN."""
        if isinstance(value, list):
            return [self.resolve(stack, v, for_policy=for_policy) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {k: self.resolve(stack, v, for_policy=for_policy) for k, v in value.items()}
        (function, argument), = value.items()
        if function == "Ref":
            return self._ref(stack, argument, for_policy)
        if function == "Fn::GetAtt":
            logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
            return self._attribute(stack, logical_id, attribute)
        if function == "Fn::Join":
            separator, parts = argument
            return separator.join(str(self.resolve(stack, p, for_policy=for_policy)) for p in parts)
        if function == "Fn::ImportValue":
            exporter, exported = self.export(self.resolve(stack, argument))
            return self.resolve(exporter, exported, for_policy=for_policy)
        if function == "Fn::Select":
            index, items = argument
            return self.resolve(stack, items, for_policy=for_policy)[int(index)]
        if function == "Fn::Split":
            separator, text = argument
            return self.resolve(stack, text, for_policy=for_policy).split(separator)
        if function == "Fn::Sub" and isinstance(argument, str):
            return self._sub(stack, argument, for_policy)
        if function.startswith("Fn::"):
            raise Unresolvable(f"{function} in {stack.name}: {json.dumps(value)[:200]}")
        return {k: self.resolve(stack, v, for_policy=for_policy) for k, v in value.items()}

    def _sub(self, stack: Stack, text: str, for_policy: bool) -> str:
        out, rest = "", text
        while "${" in rest:
            before, _, after = rest.partition("${")
            name, _, rest = after.partition("}")
            target = {"Fn::GetAtt": name.split(".", 1)} if "." in name else {"Ref": name}
            out += before + str(self.resolve(stack, target, for_policy=for_policy))
        return out + rest

    def _pseudo(self, name: str) -> str | None:
        return {"AWS::Region": self.region, "AWS::AccountId": self.account, "AWS::Partition": "aws",
                "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": None}.get(name, "")

    def _resource(self, stack: Stack, logical_id: str) -> dict:
        try:
            return stack.resources[logical_id]
        except KeyError:
            raise Unresolvable(f"{stack.name} has no resource {logical_id}") from None

    def physical_name(self, stack: Stack, logical_id: str) -> str:
        resource = self._resource(stack, logical_id)
        prop = _NAME_PROPERTY.get(resource["Type"])
        name = resource["Properties"].get(prop) if prop else None
        if name is None:
            # AWS generates the id (user pools, clients: from the emulator) or CloudFormation the name.
            return self.generated.get(f"{stack.name}/{logical_id}", f"{stack.stack_name}-{logical_id}")
        return self.resolve(stack, name)

    def _ref(self, stack: Stack, logical_id: str, for_policy: bool):
        if logical_id.startswith("AWS::"):
            return self._pseudo(logical_id)
        if logical_id in stack.template.get("Parameters", {}):
            raise Unresolvable(f"template parameter {logical_id} in {stack.name}")
        kind = self._resource(stack, logical_id)["Type"]
        if kind == "AWS::SecretsManager::Secret":
            name = self.physical_name(stack, logical_id)
            pattern = f"arn:aws:secretsmanager:{self.region}:{self.account}:secret:{name}-??????"
            return pattern if for_policy else self.secret_arns.get(name, pattern)
        if kind == "AWS::SNS::Topic":
            return f"arn:aws:sns:{self.region}:{self.account}:{self.physical_name(stack, logical_id)}"
        if kind == "AWS::SQS::Queue":
            return f"{self.emulator_url}/{EMULATOR_ACCOUNT}/{self.physical_name(stack, logical_id)}"
        if kind == "AWS::KMS::Key":
            return _key_id(logical_id)
        if kind in _STAND_INS:  # ids AWS generates that no function call depends on
            return f"{_STAND_INS[kind]}{logical_id.upper()[:14]}"
        if kind == "AWS::StepFunctions::StateMachine":
            return self._attribute(stack, logical_id, "Arn")
        if kind == "AWS::Lambda::Alias":
            properties = self._resource(stack, logical_id)["Properties"]
            function = self.resolve(stack, properties["FunctionName"])
            return f"arn:aws:lambda:{self.region}:{self.account}:function:{function}:{properties['Name']}"
        return self.physical_name(stack, logical_id)

    def _attribute(self, stack: Stack, logical_id: str, attribute: str):
        kind = self._resource(stack, logical_id)["Type"]
        r, a = self.region, self.account
        if attribute == "Arn":
            if kind == "AWS::KMS::Key":
                return f"arn:aws:kms:{r}:{a}:key/{_key_id(logical_id)}"
            if kind == "AWS::SNS::Topic":
                return self._ref(stack, logical_id, True)
            if kind == "AWS::Cognito::UserPool":
                return f"arn:aws:cognito-idp:{r}:{a}:userpool/{self.physical_name(stack, logical_id)}"
            name = self.physical_name(stack, logical_id)
            patterns = {
                "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{r}:{a}:table/{name}",
                "AWS::DynamoDB::GlobalTable": f"arn:aws:dynamodb:{r}:{a}:table/{name}",
                "AWS::S3::Bucket": f"arn:aws:s3:::{name}", "AWS::SQS::Queue": f"arn:aws:sqs:{r}:{a}:{name}",
                "AWS::Events::EventBus": f"arn:aws:events:{r}:{a}:event-bus/{name}",
                "AWS::IAM::Role": f"arn:aws:iam::{a}:role/{name}",
                "AWS::Logs::LogGroup": f"arn:aws:logs:{r}:{a}:log-group:{name}:*",
                "AWS::Lambda::Function": f"arn:aws:lambda:{r}:{a}:function:{name}",
                "AWS::StepFunctions::StateMachine": f"arn:aws:states:{r}:{a}:stateMachine:{name}",
                "AWS::Events::Rule": f"arn:aws:events:{r}:{a}:rule/{name}",
            }
            if kind in patterns:
                return patterns[kind]
        if attribute == "StreamArn" and kind in ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"):
            return f"arn:aws:dynamodb:{r}:{a}:table/{self.physical_name(stack, logical_id)}/stream/*"
        if attribute == "DomainName" and kind == "AWS::CloudFront::Distribution":
            return f"{logical_id.lower()}.cloudfront.net"
        if kind == "AWS::Lambda::Alias" and attribute == "AliasArn":
            return self._ref(stack, logical_id, False)
        raise Unresolvable(f"Fn::GetAtt {stack.name}/{logical_id}.{attribute} ({kind})")

    def key_of(self, stack: Stack, value) -> str | None:
        """The KMS key ARN a resource property names (a key ARN, a key id or nothing)."""
        if value is None:
            return None
        resolved = self.resolve(stack, value)
        return resolved if resolved.startswith("arn:") else f"arn:aws:kms:{self.region}:{self.account}:key/{resolved}"

    def emulated(self, value: str) -> str:
        """A value as code must see it on the emulator: AWS service endpoints point at the emulator
        (Cognito's JWKS URL), ARNs name the emulator's account (the calls' ARNs are mapped back)."""
        value = value.replace(f"https://cognito-idp.{self.region}.amazonaws.com", self.emulator_url)
        return value.replace(f":{self.account}:", f":{EMULATOR_ACCOUNT}:")

    def to_stage_arn(self, arn: str) -> str:
        """An ARN from the emulator, written in the stage's account (as AWS would return it)."""
        return arn.replace(f":{EMULATOR_ACCOUNT}:", f":{self.account}:")


def _key_id(logical_id: str) -> str:
    return f"key-{logical_id.lower()}"


def _secret_value(properties: dict) -> str:
    spec = properties.get("GenerateSecretString") or {}
    alphabet = string.ascii_letters + string.digits
    if not spec.get("ExcludePunctuation"):
        alphabet += "".join(c for c in "!#$%&()*+,-./:;<=>?@[]^_{|}~" if c not in spec.get("ExcludeCharacters", ""))
    password = "".join(secrets.choice(alphabet) for _ in range(spec.get("PasswordLength", 32)))
    if "SecretStringTemplate" in spec:
        return json.dumps({**json.loads(spec["SecretStringTemplate"]), spec["GenerateStringKey"]: password})
    return properties.get("SecretString") or password


def provision(stage: Stage, client) -> None:
    """Create the stage's stateful resources on the emulator from its templates (home region only).
    ``client(service)`` returns a boto3 client for the emulator."""
    _tables(stage, client("dynamodb"))
    s3 = client("s3")
    for stack, logical_id, resource in stage.of_type("AWS::S3::Bucket"):
        name = stage.physical_name(stack, logical_id)
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": stage.region})
        if resource["Properties"].get("VersioningConfiguration", {}).get("Status") == "Enabled":
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    sqs = client("sqs")
    for stack, logical_id, resource in stage.of_type("AWS::SQS::Queue"):
        attributes = {"FifoQueue": "true"} if resource["Properties"].get("FifoQueue") else {}
        sqs.create_queue(QueueName=stage.physical_name(stack, logical_id), Attributes=attributes)
    for stack, logical_id, _ in stage.of_type("AWS::SNS::Topic"):
        client("sns").create_topic(Name=stage.physical_name(stack, logical_id))
    events = client("events")
    for stack, logical_id, _ in stage.of_type("AWS::Events::EventBus"):
        events.create_event_bus(Name=stage.physical_name(stack, logical_id))
    _rules(stage, events)
    for stack, logical_id, resource in stage.of_type("AWS::SecretsManager::Secret"):
        name = stage.physical_name(stack, logical_id)
        created = client("secretsmanager").create_secret(Name=name, SecretString=_secret_value(resource["Properties"]))
        stage.secret_arns[name] = created["ARN"]
    _cognito(stage, client("cognito-idp"))
    _mail(stage, client("ses"))
    for stack, logical_id, resource in stage.of_type("AWS::SSM::Parameter"):
        properties = resource["Properties"]
        client("ssm").put_parameter(Name=stage.physical_name(stack, logical_id), Type="String", Overwrite=True,
                                    Value=stage.emulated(str(stage.resolve(stack, properties["Value"]))))


def _mail(stage: Stage, ses) -> None:
    """The sending domain, verified as AWS verifies it once its DKIM records are in DNS (the emulator
    refuses mail from an unverified identity, as SES does), and the configuration set mail names."""
    for stack, _, resource in stage.of_type("AWS::SES::EmailIdentity"):
        ses.verify_domain_identity(Domain=str(stage.resolve(stack, resource["Properties"]["EmailIdentity"])))
    for stack, _, resource in stage.of_type("AWS::SES::ConfigurationSet"):
        ses.create_configuration_set(ConfigurationSet={"Name": str(stage.resolve(stack, resource["Properties"]["Name"]))})


def _tables(stage: Stage, dynamodb) -> None:
    kinds = ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")
    for stack, logical_id, resource in [found for kind in kinds for found in stage.of_type(kind)]:
        properties = resource["Properties"]
        indexes = [{k: v for k, v in index.items() if k in ("IndexName", "KeySchema", "Projection")}
                   for index in properties.get("GlobalSecondaryIndexes", [])]
        stream = properties.get("StreamSpecification")
        name = stage.physical_name(stack, logical_id)
        dynamodb.create_table(
            TableName=name, KeySchema=properties["KeySchema"],
            AttributeDefinitions=properties["AttributeDefinitions"], BillingMode="PAY_PER_REQUEST",
            **({"GlobalSecondaryIndexes": indexes} if indexes else {}),
            **({"StreamSpecification": {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}}
               if stream else {}))
        home = [r for r in properties.get("Replicas", []) if stage.resolve(stack, r.get("Region")) == stage.region]
        recovery = next((r.get("PointInTimeRecoverySpecification") for r in home),
                        properties.get("PointInTimeRecoverySpecification")) or {}
        if recovery.get("PointInTimeRecoveryEnabled"):
            dynamodb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": True})


def _rules(stage: Stage, events) -> None:
    """Rules on the stage's own buses with SQS targets: the path from the relay to the consumers."""
    for stack, logical_id, resource in stage.of_type("AWS::Events::Rule"):
        properties = resource["Properties"]
        if "EventPattern" not in properties or "EventBusName" not in properties:
            continue
        targets = [{"Id": t["Id"], "Arn": stage.resolve(stack, t["Arn"])} for t in properties.get("Targets", [])
                   if ":sqs:" in str(stage.resolve(stack, t["Arn"]))]
        bus, name = stage.resolve(stack, properties["EventBusName"]), stage.physical_name(stack, logical_id)
        events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(properties["EventPattern"]),
                        State="ENABLED")
        if targets:
            events.put_targets(Rule=name, EventBusName=bus, Targets=[
                {**t, "Arn": t["Arn"].replace(f":{stage.account}:", f":{EMULATOR_ACCOUNT}:")} for t in targets])


def _cognito(stage: Stage, idp) -> None:
    for stack, logical_id, resource in stage.of_type("AWS::Cognito::UserPool"):
        properties = resource["Properties"]
        same = ("Policies", "AutoVerifiedAttributes", "AdminCreateUserConfig", "UsernameAttributes",
                "AccountRecoverySetting")
        created = idp.create_user_pool(PoolName=properties.get("UserPoolName", logical_id),
                                       **{k: v for k, v in properties.items() if k in same})
        pool = created["UserPool"]["Id"]
        stage.generated[f"{stack.name}/{logical_id}"] = pool
        if properties.get("MfaConfiguration", "OFF") != "OFF":
            idp.set_user_pool_mfa_config(
                UserPoolId=pool, MfaConfiguration=properties["MfaConfiguration"],
                SoftwareTokenMfaConfiguration={"Enabled": "SOFTWARE_TOKEN_MFA" in properties.get("EnabledMfas", [])})
    for stack, logical_id, resource in stage.of_type("AWS::Cognito::UserPoolGroup"):
        properties = resource["Properties"]
        try:
            idp.create_group(UserPoolId=stage.resolve(stack, properties["UserPoolId"]),
                             GroupName=properties["GroupName"])
        except ClientError as error:  # pragma: no cover - a template naming one group twice
            raise Unresolvable(str(error)) from error
    for stack, logical_id, resource in stage.of_type("AWS::Cognito::UserPoolClient"):
        properties = resource["Properties"]
        allowed = ("ClientName", "ExplicitAuthFlows", "GenerateSecret", "RefreshTokenValidity",
                   "AccessTokenValidity", "IdTokenValidity", "TokenValidityUnits", "PreventUserExistenceErrors",
                   "EnableTokenRevocation", "AllowedOAuthFlows", "AllowedOAuthScopes", "CallbackURLs",
                   "LogoutURLs", "SupportedIdentityProviders", "AllowedOAuthFlowsUserPoolClient")
        arguments = {k: v for k, v in properties.items() if k in allowed}
        created = idp.create_user_pool_client(UserPoolId=stage.resolve(stack, properties["UserPoolId"]),
                                              ClientName=properties.get("ClientName", logical_id),
                                              **{k: v for k, v in arguments.items() if k != "ClientName"})
        stage.generated[f"{stack.name}/{logical_id}"] = created["UserPoolClient"]["ClientId"]
