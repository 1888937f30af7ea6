"""What a recorded AWS call needs from IAM, and whether a role of the synthesized templates allows it.

A call needs its own action on the resource it names (S3 and DynamoDB batch/transaction calls: one per
object or item), plus what AWS does with the caller's permissions on its behalf: KMS for encrypted
buckets, secrets, topics, queues and tables (modelled as CDK's own grants do), the source object of a copy,
``iam:PassRole`` for a role handed to a service. APIs that Cognito authorizes by token, not by IAM
(InitiateAuth, RespondToAuthChallenge, AssociateSoftwareToken, VerifySoftwareToken...), need nothing.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

from tests.artifacts.stage import Stack, Stage

# Cognito user-pool APIs authorized by the user's token or session, never by IAM.
UNSIGNED = {("cognito-idp", op) for op in (
    "InitiateAuth", "RespondToAuthChallenge", "AssociateSoftwareToken", "VerifySoftwareToken", "GetUser",
    "GlobalSignOut", "ChangePassword", "SetUserMFAPreference", "RevokeToken", "SignUp", "ConfirmSignUp",
    "ForgotPassword", "ConfirmForgotPassword")} | {("sts", "GetCallerIdentity")}

_S3_WRITES = {"PutObject", "CopyObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload",
              "UploadPartCopy"}
_DYNAMODB_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"}


@dataclass(frozen=True)
class Need:
    action: str
    resource: str
    why: str  # the recorded call this comes from

    def __str__(self) -> str:
        return f"{self.action} on {self.resource} (for {self.why})"


@dataclass(frozen=True)
class Statement:
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    source: str  # the policy's logical id

    def allows(self, need: Need) -> bool:
        return (any(fnmatch.fnmatchcase(need.action.lower(), a.lower()) for a in self.actions)
                and any(fnmatch.fnmatchcase(need.resource, r) for r in self.resources))


def role_statements(stage: Stage, stack: Stack, role_logical_id: str) -> list[Statement]:
    """Every Allow statement of the role: its inline policies and the AWS::IAM::Policy resources on it."""
    role = stack.resources[role_logical_id]
    documents = [(f"{role_logical_id}.{p.get('PolicyName')}", p["PolicyDocument"])
                 for p in role["Properties"].get("Policies", [])]
    for logical_id, resource in stack.resources.items():
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") and \
                {"Ref": role_logical_id} in resource["Properties"].get("Roles", []):
            documents.append((logical_id, resource["Properties"]["PolicyDocument"]))
    if role["Properties"].get("ManagedPolicyArns"):
        raise AssertionError(f"{role_logical_id} has managed policies: list their statements here first")
    statements = []
    for source, document in documents:
        for statement in document["Statement"]:
            if statement.get("Effect") != "Allow":
                continue
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = stage.resolve(stack, statement["Resource"], for_policy=True)
            resources = resources if isinstance(resources, list) else [resources]
            statements.append(Statement(tuple(actions), tuple(resources), source))
    return statements


class Needs:
    """Turns recorded calls into needs, in the stage's ARNs."""

    def __init__(self, stage: Stage) -> None:
        self.stage = stage
        self.r, self.a = stage.region, stage.account
        self._configuration = "*"  # the AppConfig configuration of the latest session
        self._bucket_keys, self._table_keys, self._secret_keys, self._topic_keys, self._queue_keys = (
            {}, {}, {}, {}, {})
        for stack in stage.home_stacks():
            for logical_id, resource in stack.resources.items():
                self._index_key(stack, logical_id, resource)

    def _index_key(self, stack: Stack, logical_id: str, resource: dict) -> None:
        kind, properties, stage = resource["Type"], resource["Properties"], self.stage
        if kind == "AWS::S3::Bucket":
            rules = properties.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
            key = next((r["ServerSideEncryptionByDefault"].get("KMSMasterKeyID") for r in rules), None)
            self._bucket_keys[stage.physical_name(stack, logical_id)] = stage.key_of(stack, key)
        elif kind in ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"):
            sse = properties.get("SSESpecification", {})
            replicas = [r for r in properties.get("Replicas", []) if stage.resolve(stack, r.get("Region")) == self.r]
            key = sse.get("KMSMasterKeyId") or next(
                (r.get("SSESpecification", {}).get("KMSMasterKeyId") for r in replicas), None)
            self._table_keys[stage.physical_name(stack, logical_id)] = stage.key_of(stack, key)
        elif kind == "AWS::SecretsManager::Secret":
            self._secret_keys[stage.physical_name(stack, logical_id)] = stage.key_of(stack, properties.get("KmsKeyId"))
        elif kind == "AWS::SNS::Topic":
            self._topic_keys[stage.physical_name(stack, logical_id)] = stage.key_of(stack, properties.get("KmsMasterKeyId"))
        elif kind == "AWS::SQS::Queue":
            self._queue_keys[stage.physical_name(stack, logical_id)] = stage.key_of(stack, properties.get("KmsMasterKeyId"))

    def runtime(self, function_name: str, properties: dict) -> list[Need]:
        """What Lambda itself does with the function's role: its logs (creating the group when the
        template defines none) and, with active tracing, X-Ray segments."""
        group = f"arn:aws:logs:{self.r}:{self.a}:log-group:/aws/lambda/{function_name}"
        actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
        if not properties.get("LoggingConfig", {}).get("LogGroup"):
            actions.append("logs:CreateLogGroup")
        needs = [Need(action, f"{group}:log-stream:artifacts", "the Lambda runtime's logs") for action in actions]
        if properties.get("TracingConfig", {}).get("Mode") == "Active":
            needs += [Need(f"xray:{action}", "*", "active tracing") for action in
                      ("PutTraceSegments", "PutTelemetryRecords")]
        return needs

    def of(self, call: dict) -> list[Need]:
        service, operation, params = call["service"], call["operation"], call["params"]
        why = f"{service}:{operation}"
        if (service, operation) in UNSIGNED:
            return []
        method = getattr(self, f"_{service.replace('-', '_')}", None)
        if method is None:
            raise AssertionError(f"no IAM model for {why}: add one to tests/artifacts/iam.py")
        return [Need(action, resource, why) for action, resource in method(operation, params)]

    # ---- per service: (action, resource) pairs

    def _key(self, key: str | None, *actions: str):
        return [(f"kms:{action}", key) for action in actions] if key else []

    def _s3(self, op: str, p: dict):
        if op in ("ListObjectsV2", "ListObjects", "HeadBucket"):
            return [("s3:ListBucket", f"arn:aws:s3:::{p['Bucket']}")]
        if op == "ListObjectVersions":
            return [("s3:ListBucketVersions", f"arn:aws:s3:::{p['Bucket']}")]
        if op == "DeleteObjects":
            return [("s3:DeleteObjectVersion" if o.get("VersionId") else "s3:DeleteObject",
                     f"arn:aws:s3:::{p['Bucket']}/{o['Key']}") for o in p["Delete"]["Objects"]]
        obj, key = f"arn:aws:s3:::{p['Bucket']}/{p.get('Key', '')}", self._bucket_keys.get(p["Bucket"])
        versioned = "Version" if p.get("VersionId") else ""
        if op in ("GetObject", "HeadObject"):
            needs = [(f"s3:GetObject{versioned}", obj)]
            return needs + (self._key(key, "Decrypt") if op == "GetObject" else [])
        if op == "DeleteObject":
            return [(f"s3:DeleteObject{versioned}", obj)]
        if op == "AbortMultipartUpload":
            return [("s3:AbortMultipartUpload", obj)]
        if op in _S3_WRITES:
            needs = [("s3:PutObject", obj), *self._key(key, "GenerateDataKey")]
            source = p.get("CopySource")
            if source:
                bucket, _, name = (source if isinstance(source, str) else
                                   f"{source['Bucket']}/{source['Key']}").lstrip("/").partition("/")
                name = name.split("?versionId=")[0]
                needs += [("s3:GetObject", f"arn:aws:s3:::{bucket}/{name}"),
                          *self._key(self._bucket_keys.get(bucket), "Decrypt")]
            return needs
        raise AssertionError(f"no IAM model for s3:{op}")

    def _table(self, name: str) -> str:
        return name if name.startswith("arn:") else f"arn:aws:dynamodb:{self.r}:{self.a}:table/{name}"

    def _dynamodb(self, op: str, p: dict):
        if op == "TransactWriteItems":
            needs = []
            for item in p["TransactItems"]:
                (kind, body), = item.items()
                action = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                          "ConditionCheck": "ConditionCheckItem"}[kind]
                needs += self._dynamodb(action, body)
            return needs
        if op == "TransactGetItems":
            return [need for item in p["TransactItems"] for need in self._dynamodb("GetItem", item["Get"])]
        if op in ("BatchGetItem", "BatchWriteItem"):
            return [need for table in p["RequestItems"] for need in self._item(op, table, None)]
        if op == "ExportTableToPointInTime":
            bucket = p["S3Bucket"]
            return [("dynamodb:ExportTableToPointInTime", self.stage.to_stage_arn(p["TableArn"])),
                    ("s3:PutObject", f"arn:aws:s3:::{bucket}/{p.get('S3Prefix', '')}*"),
                    ("s3:AbortMultipartUpload", f"arn:aws:s3:::{bucket}/{p.get('S3Prefix', '')}*"),
                    *self._key(self._bucket_keys.get(bucket), "GenerateDataKey")]
        if op == "DescribeExport":
            # The emulator's export ARNs are "<table ARN>/import/<id>" under a second table prefix; AWS's
            # are "arn:aws:dynamodb:<region>:<account>:table/<table>/export/<id>".
            table, export_id = re.search(r"table/([^/:]+)/(?:import|export)/([^/]+)$", p["ExportArn"]).groups()
            return [("dynamodb:DescribeExport", f"arn:aws:dynamodb:{self.r}:{self.a}:table/{table}/export/{export_id}")]
        if op in ("ListStreams",):
            return [("dynamodb:ListStreams", "*")]
        return self._item(op, p["TableName"], p.get("IndexName"))

    def _item(self, op: str, table: str, index: str | None):
        resource = self._table(table) + (f"/index/{index}" if index else "")
        key = self._table_keys.get(table.rsplit("/", 1)[-1])
        data_plane = op in _DYNAMODB_WRITES or op in ("GetItem", "Query", "Scan", "BatchGetItem",
                                                      "ConditionCheckItem")
        # As CDK's table grants model it: reads decrypt with the table's key, writes also encrypt.
        kms = ("Decrypt", "Encrypt", "GenerateDataKey") if op in _DYNAMODB_WRITES else ("Decrypt",)
        return [(f"dynamodb:{op}", resource), *(self._key(key, *kms) if data_plane else [])]

    def _dynamodb_stream(self, op: str, p: dict):  # the event source mapping, on the function's role
        arn = self.stage.to_stage_arn(p.get("StreamArn") or p["ShardIterator"])
        return [(f"dynamodb:{op}", arn)]

    def _secretsmanager(self, op: str, p: dict):
        secret = p["SecretId"]
        name = secret.split(":secret:", 1)[1][:-7] if secret.startswith("arn:") else secret
        arn = f"arn:aws:secretsmanager:{self.r}:{self.a}:secret:{name}-abcdef"
        return [(f"secretsmanager:{op}", arn), *self._key(self._secret_keys.get(name), "Decrypt")]

    def _ssm(self, op: str, p: dict):
        names = p.get("Names") or [p.get("Name") or p.get("Path")]
        return [(f"ssm:{op}", f"arn:aws:ssm:{self.r}:{self.a}:parameter{n.rstrip('/')}") for n in names]

    def _events(self, op: str, p: dict):
        if op != "PutEvents":
            raise AssertionError(f"no IAM model for events:{op}")
        buses = {e.get("EventBusName") or "default" for e in p["Entries"]}
        return [("events:PutEvents", self.stage.to_stage_arn(b) if b.startswith("arn:")
                 else f"arn:aws:events:{self.r}:{self.a}:event-bus/{b}") for b in buses]

    def _sns(self, op: str, p: dict):
        arn = self.stage.to_stage_arn(p["TopicArn"])
        return [(f"sns:{op}", arn), *self._key(self._topic_keys.get(arn.rsplit(":", 1)[-1]), "GenerateDataKey",
                                               "Decrypt")]

    def _sqs(self, op: str, p: dict):
        op = op.removesuffix("Batch")  # a batch call is authorized as its single action
        name = p["QueueUrl"].rstrip("/").rsplit("/", 1)[-1]
        needs = [(f"sqs:{op}", f"arn:aws:sqs:{self.r}:{self.a}:{name}")]
        key = self._queue_keys.get(name)
        if op == "ReceiveMessage":
            needs += self._key(key, "Decrypt")
        if op in ("SendMessage", "SendMessageBatch"):
            needs += self._key(key, "GenerateDataKey", "Decrypt")
        return needs

    def _cognito_idp(self, op: str, p: dict):
        return [(f"cognito-idp:{op}", f"arn:aws:cognito-idp:{self.r}:{self.a}:userpool/{p['UserPoolId']}")]

    def _mediaconvert(self, op: str, p: dict):
        if op == "CreateJob":
            queue = p.get("Queue") or f"arn:aws:mediaconvert:{self.r}:{self.a}:queues/Default"
            return [("mediaconvert:CreateJob", self.stage.to_stage_arn(queue)),
                    ("iam:PassRole", self.stage.to_stage_arn(p["Role"]))]
        if op == "GetJob":
            return [("mediaconvert:GetJob", f"arn:aws:mediaconvert:{self.r}:{self.a}:jobs/{p['Id']}")]
        return [(f"mediaconvert:{op}", "*")]

    def _appconfig(self, op: str, p: dict):
        if op == "StartConfigurationSession":
            self._configuration = (f"arn:aws:appconfig:{self.r}:{self.a}:application/{p['ApplicationIdentifier']}"
                                   f"/environment/{p['EnvironmentIdentifier']}"
                                   f"/configuration/{p['ConfigurationProfileIdentifier']}")
        # GetLatestConfiguration names its session's token: the configuration the session was started on.
        return [(f"appconfig:{op}", self._configuration)]

    def _ses(self, op: str, p: dict):
        # SES authorizes a send on the sending identity (the From address's domain) and, when one is named,
        # on the configuration set (docs: "Controlling access to Amazon SES", resource types).
        if op not in ("SendRawEmail", "SendEmail"):
            raise AssertionError(f"no IAM model for ses:{op}")
        domain = p["Source"].rsplit("<", 1)[-1].rstrip(">").strip().rsplit("@", 1)[-1]
        needs = [(f"ses:{op}", f"arn:aws:ses:{self.r}:{self.a}:identity/{domain}")]
        if p.get("ConfigurationSetName"):
            needs.append((f"ses:{op}", f"arn:aws:ses:{self.r}:{self.a}:configuration-set/{p['ConfigurationSetName']}"))
        return needs

    def _kms(self, op: str, p: dict):  # explicit KMS calls by key id or ARN
        return [(f"kms:{op}", p["KeyId"])]


def unused(statements: list[Statement], needs: list[Need]) -> list[tuple[str, str]]:
    """(action, resource) pairs of the statements that no need matched."""
    left = []
    for statement in statements:
        for action in statement.actions:
            for resource in statement.resources:
                if not any(fnmatch.fnmatchcase(n.action.lower(), action.lower())
                           and fnmatch.fnmatchcase(n.resource, resource) for n in needs):
                    left.append((action, resource))
    return left
