"""Create every AWS resource the code uses, on the emulator, from the code's own declarations.

The table comes from ``marketplace.table.table_schema()`` (the PynamoDB models), the bus rules and
queues from ``marketplace.events.RULES``. Safe to run again: what exists is kept.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field
from email.utils import parseaddr
from functools import lru_cache
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from local.media_edge import KEY_GROUP_PARAMETER, edge_url
from marketplace.actors import Group
from marketplace.alerts.digests import QUEUE as DIGEST_QUEUE
from marketplace.alerts.digests import QUEUE_VISIBILITY as DIGEST_QUEUE_VISIBILITY
from marketplace.aws import client
from marketplace.config import settings
from marketplace.delivery import BUYER_APPS
from marketplace.delivery.feedback import QUEUE as FEEDBACK_QUEUE
from marketplace.delivery.push import push_topic_name
from marketplace.deployment import (
    APP_CLIENTS,
    APPS_CLIENT,
    BACKOFFICE_CLIENT,
    BACKOFFICE_PARAMETERS,
    BACKOFFICE_SECRETS,
    ESEWA_SECRET,
    KHALTI_SECRET,
    ORIGIN_VERIFY_SECRET,
    Env,
    backoffice_environment,
    backoffice_port,
    local_backoffice_origins,
    secret_name,
    user_attribute_update_settings,
)
from marketplace.events import RULES
from marketplace.media_kinds import IMAGE_KINDS, VIDEO_KINDS, raw_key_suffix
from marketplace.table import TTL_ATTRIBUTE, table_schema
from marketplace.tokens import pool_jwks_url
from media_pipeline.steps import pipeline_seconds

# Raw uploads, images apart from videos so a long video never holds up photos: the queue for each kind,
# routed by the key's suffix. Each queue's visibility timeout outlasts the slowest pipeline of its kinds
# (every step's timeout and retries), so a message is redelivered only when its worker died.
MEDIA_QUEUES: dict[str, frozenset[str]] = {"media-images": IMAGE_KINDS, "media-videos": VIDEO_KINDS}
VISIBILITY_MARGIN_SECONDS = 60


def media_visibility_timeout(queue: str) -> int:
    return max(pipeline_seconds(kind) for kind in MEDIA_QUEUES[queue]) + VISIBILITY_MARGIN_SECONDS


@dataclass
class Resources:
    table: str
    raw_bucket: str
    public_bucket: str
    premium_bucket: str
    event_bus: str
    user_pool_id: str
    user_pool_client_id: str
    backoffice_client_id: str
    jwks_url: str
    notify_topic_arn: str
    queues: dict[str, str]
    # The media edge: its URL and where the signing key pair is published (provision_media_edge).
    signing: dict[str, str] = field(default_factory=dict)
    search_bucket: str = ""  # published versions of the search index (marketplace.search_index.store)
    api_url: str = ""  # the local gateway: where messages' unsubscribe links point
    push_topic_arns: dict[str, str] = field(default_factory=dict)  # each buyer app's push topic

    def environment(self) -> dict[str, str]:
        return {
            Env.TABLE: self.table,
            Env.RAW_BUCKET: self.raw_bucket,
            Env.PUBLIC_BUCKET: self.public_bucket,
            Env.PREMIUM_BUCKET: self.premium_bucket,
            Env.EVENT_BUS: self.event_bus,
            Env.USER_POOL_ID: self.user_pool_id,
            Env.USER_POOL_CLIENT_ID: self.user_pool_client_id,
            Env.BACKOFFICE_CLIENT_ID: self.backoffice_client_id,
            Env.JWKS_URL: self.jwks_url,
            Env.NOTIFY_TOPIC_ARN: self.notify_topic_arn,
            **self.signing,
            **({Env.SEARCH_BUCKET: self.search_bucket} if self.search_bucket else {}),
            **({Env.API_URL: self.api_url} if self.api_url else {}),
            **({Env.DIGEST_QUEUE_URL: self.queues[DIGEST_QUEUE]} if DIGEST_QUEUE in self.queues else {}),
            **({Env.PUSH_TOPIC_ARNS: json.dumps(self.push_topic_arns)} if self.push_topic_arns else {}),
        }

    def as_dict(self) -> dict:
        return asdict(self)


def provision_table() -> str:
    cfg = settings()
    dynamodb = client("dynamodb")
    try:
        dynamodb.create_table(**table_schema(cfg.table_name))
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceInUseException":
            raise
    dynamodb.get_waiter("table_exists").wait(TableName=cfg.table_name, WaiterConfig={"Delay": 0.2})
    dynamodb.update_continuous_backups(
        TableName=cfg.table_name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    ttl = dynamodb.describe_time_to_live(TableName=cfg.table_name)["TimeToLiveDescription"]
    if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
        dynamodb.update_time_to_live(TableName=cfg.table_name,
                                     TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE})
    return cfg.table_name


def _queue(name: str, *, dlq: bool = True, visibility_timeout: int | None = None) -> tuple[str, str]:
    sqs = client("sqs")
    attributes = {"VisibilityTimeout": str(visibility_timeout)} if visibility_timeout else {}
    if dlq:
        _, dlq_arn = _queue(f"{name}-dlq", dlq=False)
        attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"})
    url = sqs.create_queue(QueueName=settings().queue_name(name), Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def provision_buckets(media_queue_arns: dict[str, str]) -> None:
    cfg = settings()
    s3 = client("s3")
    for bucket in (cfg.raw_bucket, cfg.public_bucket, cfg.premium_bucket, cfg.search_bucket):
        try:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": cfg.region})
        except ClientError as error:
            if error.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})
    # Browsers post uploads straight to the raw bucket from the back office.
    s3.put_bucket_cors(Bucket=cfg.raw_bucket, CORSConfiguration={"CORSRules": [{
        "AllowedMethods": ["POST", "PUT"],
        "AllowedOrigins": local_backoffice_origins(backoffice_port()),
        "AllowedHeaders": ["*"], "MaxAgeSeconds": 3000}]})
    # In AWS: S3 -> EventBridge -> Step Functions. Locally: S3 -> SQS -> the pipeline worker.
    s3.put_bucket_notification_configuration(Bucket=cfg.raw_bucket, NotificationConfiguration={
        "QueueConfigurations": [
            {"Id": f"{queue}-{kind}", "QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
             "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": raw_key_suffix(kind)}]}}}
            for queue, arn in media_queue_arns.items() for kind in sorted(MEDIA_QUEUES[queue])]})


@lru_cache(maxsize=1)
def _signing_key_pair() -> tuple[str, str, str]:
    """(key id, private PEM, public PEM): one RSA key pair per process, as CloudFront's trusted key group
    holds the public half of the pair whose private half the API signs with (Secrets Manager in AWS).
    The id is derived from the public key, as CloudFront gives each public key an id."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    private_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()).decode()
    key_id = "K" + hashlib.sha256(public_pem.encode()).hexdigest()[:13].upper()
    return key_id, private_pem, public_pem


def provision_distribution(url: str) -> str:
    """A CloudFront distribution on the emulator, for the calls AWS's would get: the media-placement
    consumer's invalidations are recorded there (nothing is cached locally; the media edge serves from S3).
    Returns its id."""
    cloudfront = client("cloudfront")
    comment = f"{settings().prefix} media"
    found = cloudfront.list_distributions().get("DistributionList", {}).get("Items", [])
    for distribution in found:
        if distribution.get("Comment") == comment:
            return distribution["Id"]
    origin = urlsplit(url).hostname or "127.0.0.1"
    return cloudfront.create_distribution(DistributionConfig={
        "CallerReference": comment, "Comment": comment, "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "media-edge", "DomainName": origin,
                                              "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                                                                     "OriginProtocolPolicy": "http-only"}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "media-edge", "ViewerProtocolPolicy": "allow-all",
                                 "MinTTL": 0, "ForwardedValues": {"QueryString": False,
                                                                  "Cookies": {"Forward": "none"}},
                                 "TrustedSigners": {"Enabled": False, "Quantity": 0}},
    })["Distribution"]["Id"]


def provision_media_edge(url: str) -> dict[str, str]:
    """Publish what the API signs premium media URLs with and what the local media edge verifies them with,
    under the names infra uses in AWS: the private key in Secrets Manager, the key id and the edge's
    domain in SSM; and, for the local media edge only, the trusted public keys (CloudFront's key group)."""
    cfg = settings()
    key_id, private_pem, public_pem = _signing_key_pair()
    secrets = client("secretsmanager")
    name = f"{cfg.prefix}/cloudfront-signing-key"
    try:
        secret_arn = secrets.create_secret(Name=name, SecretString=private_pem)["ARN"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceExistsException":
            raise
        secret_arn = secrets.put_secret_value(SecretId=name, SecretString=private_pem)["ARN"]
    # Not a function's call budget: the emulator's first SSM call loads its default parameters (seconds).
    ssm = boto3.session.Session().client("ssm", region_name=cfg.region, endpoint_url=cfg.endpoint_url,
                                         config=Config(read_timeout=120, retries={"mode": "standard"}))
    path = f"/{cfg.prefix}/cloudfront"
    for parameter, value in (("public-key-id", key_id), ("domain", url),
                             ("key-group", json.dumps({key_id: public_pem}))):
        ssm.put_parameter(Name=f"{path}/{parameter}", Value=value, Type="String", Overwrite=True)
    return {Env.PUBLIC_MEDIA_URL: f"{url}/media", Env.CLOUDFRONT_KEY_SECRET: secret_arn,
            Env.CLOUDFRONT_DISTRIBUTION_ID: provision_distribution(url),
            Env.CLOUDFRONT_KEY_ID_PARAMETER: f"{path}/public-key-id",
            Env.CLOUDFRONT_DOMAIN_PARAMETER: f"{path}/domain",
            KEY_GROUP_PARAMETER: f"{path}/key-group"}


def provision_user_pool() -> tuple[str, str, str]:
    """The pool, its groups and its app clients; returns the pool id, the apps' and the back office's client."""
    cfg = settings()
    idp = client("cognito-idp")
    name = f"{cfg.prefix}-users"
    pools = [p for p in idp.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == name]
    if pools:
        pool_id = pools[0]["Id"]
    else:
        pool_id = idp.create_user_pool(
            PoolName=name,
            Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireUppercase": True,
                                         "RequireLowercase": True, "RequireNumbers": True,
                                         "RequireSymbols": False}},
            UsernameAttributes=["email"],
            AutoVerifiedAttributes=["email"],
            UserAttributeUpdateSettings=user_attribute_update_settings(),  # as the template's pool
            MfaConfiguration="OPTIONAL",  # brokers and admins are made to set up TOTP by the back office
        )["UserPool"]["Id"]
        idp.set_user_pool_mfa_config(UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True},
                                     MfaConfiguration="OPTIONAL")
    existing = {g["GroupName"] for g in idp.list_groups(UserPoolId=pool_id)["Groups"]}
    for group in Group:
        if group.value not in existing:
            idp.create_group(UserPoolId=pool_id, GroupName=group.value)
    # The app clients exactly as the template declares them (same flows, token validity, attributes), so a
    # flow AWS would refuse is refused here too (the emulator enforces ExplicitAuthFlows, emulator_patches).
    # A client from an earlier run is brought up to the declaration.
    existing_clients = {c["ClientName"]: c["ClientId"] for c in
                        idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]}
    ids = {}
    for declared in APP_CLIENTS:
        properties = declared.properties()
        if declared.name in existing_clients:
            ids[declared.name] = existing_clients[declared.name]
            properties.pop("GenerateSecret")  # fixed at creation
            idp.update_user_pool_client(UserPoolId=pool_id, ClientId=ids[declared.name], **properties)
        else:
            ids[declared.name] = idp.create_user_pool_client(UserPoolId=pool_id, **properties)["UserPoolClient"]["ClientId"]
    return pool_id, ids[APPS_CLIENT.name], ids[BACKOFFICE_CLIENT.name]


def provision_events() -> tuple[dict[str, str], str]:
    cfg = settings()
    events = client("events")
    try:
        events.create_event_bus(Name=cfg.event_bus)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceAlreadyExistsException":
            raise
    queues = {}
    for rule in RULES:
        url, arn = _queue(rule.queue)
        queues[rule.queue] = url
        events.put_rule(Name=f"{cfg.prefix}-{rule.name}", EventBusName=cfg.event_bus, State="ENABLED",
                        EventPattern=json.dumps({"source": [cfg.event_source],
                                                 "detail-type": [t.value for t in rule.detail_types]}))
        events.put_targets(Rule=f"{cfg.prefix}-{rule.name}", EventBusName=cfg.event_bus,
                           Targets=[{"Id": rule.queue, "Arn": arn}])
    topic_arn = client("sns").create_topic(Name=f"{cfg.prefix}-notifications")["TopicArn"]
    # Locally the notifications topic fans out to a queue so what would be e-mailed can be read.
    sent_url, sent_arn = _queue("notifications-sent", dlq=False)
    queues["notifications-sent"] = sent_url
    client("sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=sent_arn,
                            Attributes={"RawMessageDelivery": "true"})
    return queues, topic_arn


def provision_push_topics(sent_queue_url: str) -> dict[str, str]:
    """A push topic per buyer app (``BUYER_APPS``); locally each also delivers to the queue the
    notifications topic delivers to, so what would be pushed can be read. The topics' ARNs by app."""
    sns, cfg = client("sns"), settings()
    sent_arn = client("sqs").get_queue_attributes(QueueUrl=sent_queue_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    topics = {}
    for app in BUYER_APPS:
        topics[app] = sns.create_topic(Name=push_topic_name(cfg.prefix, app))["TopicArn"]
        sns.subscribe(TopicArn=topics[app], Protocol="sqs", Endpoint=sent_arn, Attributes={"RawMessageDelivery": "true"})
    return topics


def provision_mail() -> dict[str, str]:
    """SES on the emulator: the sender's domain verified, and the feedback topic delivering to the feedback
    queue (in AWS the configuration set publishes bounces and complaints to that topic; the emulator never
    publishes feedback for ordinary addresses). Returns the queue's URL by name."""
    cfg = settings()
    client("ses").verify_domain_identity(Domain=parseaddr(cfg.mail_from)[1].split("@", 1)[1])
    topic_arn = client("sns").create_topic(Name=f"{cfg.prefix}-{FEEDBACK_QUEUE}")["TopicArn"]
    url, arn = _queue(FEEDBACK_QUEUE)
    client("sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)
    return {FEEDBACK_QUEUE: url}


def provision(*, media_url: str | None = None) -> Resources:
    """Create (or find) everything; return the names and ids the code needs. ``media_url`` is where the
    local media edge serves media (default: the gateway's origin, ``local.media_edge.edge_url()``)."""
    cfg = settings()
    table = provision_table()
    queues, topic_arn = provision_events()
    queues.update(provision_mail())
    # Digests: the schedule puts the buyers due on this queue, the digest worker sends them (DLQ after 5 tries).
    queues[DIGEST_QUEUE], _ = _queue(DIGEST_QUEUE, visibility_timeout=int(DIGEST_QUEUE_VISIBILITY.total_seconds()))
    media_arns = {}
    for queue in MEDIA_QUEUES:
        queues[queue], media_arns[queue] = _queue(queue, visibility_timeout=media_visibility_timeout(queue))
    provision_buckets(media_arns)
    provision_documents_bucket()
    pool_id, client_id, backoffice_client_id = provision_user_pool()
    return Resources(
        table=table, raw_bucket=cfg.raw_bucket, public_bucket=cfg.public_bucket,
        premium_bucket=cfg.premium_bucket, event_bus=cfg.event_bus, user_pool_id=pool_id,
        user_pool_client_id=client_id, backoffice_client_id=backoffice_client_id,
        jwks_url=pool_jwks_url(f"{cfg.endpoint_url}/{pool_id}"),  # the emulator serves each pool's keys there
        notify_topic_arn=topic_arn, queues=queues, signing=provision_media_edge(media_url or edge_url()),
        search_bucket=cfg.search_bucket, api_url=edge_url(),
        push_topic_arns=provision_push_topics(queues["notifications-sent"]))


def provision_backoffice_stage(resources: Resources, *, stage: str, cloudfront_domain: str) -> dict[str, str]:
    """What infra publishes for the back office in AWS, on the emulator: its parameters under the stage's
    path, the CloudFront domain parameter and its secrets (Django signing key, cursor key), all named by
    ``marketplace.deployment``. Returns the function's environment as zappa_settings.json gives it.
    Safe to run again: parameters are overwritten, secrets kept."""
    environment = backoffice_environment(stage)
    values = {**resources.environment(), Env.STATIC_BUCKET: f"{settings().prefix}-static",
              Env.DOCUMENTS_BUCKET: settings().documents_bucket}
    ssm = client("ssm")
    for name, variable in BACKOFFICE_PARAMETERS.items():
        ssm.put_parameter(Name=f"{environment[Env.SSM_PATH]}/{name}", Value=values[variable], Type="String",
                          Overwrite=True)
    ssm.put_parameter(Name=environment[Env.CLOUDFRONT_DOMAIN_PARAMETER], Value=cloudfront_domain, Type="String",
                      Overwrite=True)
    # The premium signing key and its id, under the stage's names (the local media edge trusts this key).
    signing = resources.environment()
    if signing.get(Env.CLOUDFRONT_KEY_SECRET):
        key_id = ssm.get_parameter(Name=signing[Env.CLOUDFRONT_KEY_ID_PARAMETER])["Parameter"]["Value"]
        ssm.put_parameter(Name=environment[Env.CLOUDFRONT_KEY_ID_PARAMETER], Value=key_id, Type="String",
                          Overwrite=True)
        pem = client("secretsmanager").get_secret_value(SecretId=signing[Env.CLOUDFRONT_KEY_SECRET])["SecretString"]
        _put_secret(environment[Env.CLOUDFRONT_KEY_SECRET], pem)
    for variable in BACKOFFICE_SECRETS:
        _put_secret(environment[variable], secrets.token_urlsafe(48), replace=False)
    return environment


def provision_origin_secret(*, stage: str) -> str:
    """The secret the edge sends the public API (``public_api.origin``), under the stage's name; kept if it
    exists. Returns its name."""
    name = secret_name(stage, ORIGIN_VERIFY_SECRET)
    _put_secret(name, secrets.token_urlsafe(32), replace=False)
    return name


def _put_secret(name: str, value: str, *, replace: bool = True) -> None:
    """Create the secret, or give the existing one this value (``replace``) or keep it."""
    try:
        client("secretsmanager").create_secret(Name=name, SecretString=value)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceExistsException":
            raise
        if replace:
            client("secretsmanager").put_secret_value(SecretId=name, SecretString=value)


def provision_payments(*, providers_environment: dict[str, str], return_url: str) -> dict[str, str]:
    """The payment providers' keys in Secrets Manager under the stage's names (the documented eSewa test
    key, the local Khalti emulator's key), where the providers are (``local.payment_providers``) and the
    API's URL they send buyers back to. Returns the variables the platform reads them by."""
    from local.payment_providers import ESEWA_TEST_SECRET, KHALTI_TEST_SECRET

    stage = settings().environment
    names = {Env.ESEWA_SECRET: secret_name(stage, ESEWA_SECRET), Env.KHALTI_SECRET: secret_name(stage, KHALTI_SECRET)}
    _put_secret(names[Env.ESEWA_SECRET], ESEWA_TEST_SECRET)
    _put_secret(names[Env.KHALTI_SECRET], KHALTI_TEST_SECRET)
    return {**names, **providers_environment, Env.PAYMENT_RETURN_URL: return_url}


def provision_documents_bucket() -> str:
    """The documents bucket as the data stack declares it: private (every public access blocked), versioned,
    encrypted by default with a KMS key of its own (``alias/<prefix>-documents``). Returns its name."""
    cfg = settings()
    kms, s3 = client("kms"), client("s3")
    alias = f"alias/{cfg.prefix}-documents"
    known = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    key_id = known.get(alias)
    if not key_id:
        key_id = kms.create_key(Description="Shikhar listing documents")["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    try:
        s3.create_bucket(Bucket=cfg.documents_bucket, CreateBucketConfiguration={"LocationConstraint": cfg.region})
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    s3.put_bucket_versioning(Bucket=cfg.documents_bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(Bucket=cfg.documents_bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_encryption(Bucket=cfg.documents_bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_id},
        "BucketKeyEnabled": True}]})
    # Sellers and brokers upload from the back office's pages.
    s3.put_bucket_cors(Bucket=cfg.documents_bucket, CORSConfiguration={"CORSRules": [{
        "AllowedMethods": ["POST"], "AllowedOrigins": local_backoffice_origins(backoffice_port()),
        "AllowedHeaders": ["*"], "MaxAgeSeconds": 3000}]})
    return cfg.documents_bucket
