"""What the deployables, the infrastructure and the local platform must agree on, declared once.

Read by ``infra/`` (the stacks), by ``zappa_settings.json`` (a test checks each stage against
``backoffice_environment``), by the back office's settings and sign-in, and by ``local/`` provisioning
(which creates the Cognito app clients from the same properties the template has). Plain Python:
no Django, no boto3, no CDK, so every deployable can import it at no cost.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Env(StrEnum):
    """The environment variables the code reads."""

    STAGE = "SHIKHAR_ENV"  # dev, staging, prod; "local" and "test" only off AWS
    # Every variable the function's stack gave it, comma-separated: in Lambda each must be set at init.
    REQUIRED = "SHIKHAR_REQUIRED_VARIABLES"
    PREFIX = "SHIKHAR_PREFIX"
    TABLE = "SHIKHAR_TABLE"
    RAW_BUCKET = "SHIKHAR_RAW_BUCKET"
    PUBLIC_BUCKET = "SHIKHAR_PUBLIC_BUCKET"
    PREMIUM_BUCKET = "SHIKHAR_PREMIUM_BUCKET"
    STATIC_BUCKET = "SHIKHAR_STATIC_BUCKET"
    SEARCH_BUCKET = "SHIKHAR_SEARCH_BUCKET"  # published versions of the search index
    SEARCH_REFRESH_SECONDS = "SHIKHAR_SEARCH_REFRESH_SECONDS"  # how often the API checks for a new version
    SEARCH_PUBLISH_SECONDS = "SHIKHAR_SEARCH_PUBLISH_SECONDS"  # the writer publishes at most this often
    EVENT_BUS = "SHIKHAR_EVENT_BUS"
    NOTIFY_TOPIC_ARN = "SHIKHAR_NOTIFY_TOPIC_ARN"
    USER_POOL_ID = "SHIKHAR_USER_POOL_ID"
    USER_POOL_CLIENT_ID = "SHIKHAR_USER_POOL_CLIENT_ID"  # the buyers' apps' client (public API, canary)
    BACKOFFICE_CLIENT_ID = "SHIKHAR_BACKOFFICE_CLIENT_ID"
    JWKS_URL = "SHIKHAR_JWKS_URL"
    PUBLIC_MEDIA_URL = "SHIKHAR_PUBLIC_MEDIA_URL"
    SSM_PATH = "SHIKHAR_SSM_PATH"
    DJANGO_SECRET_ID = "SHIKHAR_DJANGO_SECRET_ID"
    CURSOR_SECRET = "SHIKHAR_CURSOR_SECRET"  # the secret (name or ARN) holding the cursor HMAC key
    CURSOR_KEY = "SHIKHAR_CURSOR_KEY"  # the key itself: local runs and tests only
    CLOUDFRONT_DOMAIN_PARAMETER = "SHIKHAR_CLOUDFRONT_DOMAIN_PARAMETER"
    # Premium media: the secret (name or ARN) holding the signing key's PEM, the parameter holding its id.
    CLOUDFRONT_KEY_SECRET = "SHIKHAR_CLOUDFRONT_KEY_SECRET"
    CLOUDFRONT_KEY_ID_PARAMETER = "SHIKHAR_CLOUDFRONT_KEY_ID_PARAMETER"
    CLOUDFRONT_DISTRIBUTION_ID = "SHIKHAR_CLOUDFRONT_DISTRIBUTION_ID"  # what media moves invalidate
    SIGNED_URL_SECONDS = "SHIKHAR_SIGNED_URL_SECONDS"
    ORIGIN_VERIFY_SECRET = "SHIKHAR_ORIGIN_VERIFY_SECRET"  # the secret the edge's origin header must carry
    EXPORT_BUCKET = "SHIKHAR_EXPORT_BUCKET"
    MEDIACONVERT_ROLE_ARN = "SHIKHAR_MEDIACONVERT_ROLE_ARN"
    MEDIACONVERT_QUEUE_ARN = "SHIKHAR_MEDIACONVERT_QUEUE_ARN"
    APPCONFIG_APPLICATION = "SHIKHAR_APPCONFIG_APPLICATION"
    APPCONFIG_ENVIRONMENT = "SHIKHAR_APPCONFIG_ENVIRONMENT"
    APPCONFIG_PROFILE = "SHIKHAR_APPCONFIG_PROFILE"
    FEATURE_FLAGS_FILE = "SHIKHAR_FEATURE_FLAGS_FILE"  # locally: the flags from a file of the same schema
    SYNTHETIC_API = "SHIKHAR_SYNTHETIC_API"  # the canary's (ops/synthetic.py spells them: it ships alone)
    SYNTHETIC_SECRET_ARN = "SHIKHAR_SYNTHETIC_SECRET_ARN"
    PROXY_HOPS = "SHIKHAR_PROXY_HOPS"  # proxies appending to X-Forwarded-For in front of the back office
    SESSION_RECHECK_SECONDS = "SHIKHAR_SESSION_RECHECK_SECONDS"
    LOG_LEVEL = "SHIKHAR_LOG_LEVEL"
    DEBUG = "SHIKHAR_DEBUG"  # the local back office only
    JWT_ISSUER = "SHIKHAR_JWT_ISSUER"  # overrides of the issuer and audiences derived from the pool
    JWT_AUDIENCES = "SHIKHAR_JWT_AUDIENCES"
    # The media pipeline's tools (unset: what is on PATH; ClamAV only when named).
    MEDIA_MAX_PIXELS = "SHIKHAR_MEDIA_MAX_PIXELS"
    FFMPEG = "SHIKHAR_FFMPEG"
    FFPROBE = "SHIKHAR_FFPROBE"
    CLAMSCAN = "SHIKHAR_CLAMSCAN"
    CLAMAV_DATABASE = "SHIKHAR_CLAMAV_DATABASE"
    SYNTHETIC_LISTING = "SHIKHAR_SYNTHETIC_LISTING"
    SYNTHETIC_PASSWORD = "SHIKHAR_SYNTHETIC_PASSWORD"  # the command line's journey only
    USE_LOCAL = "SHIKHAR_USE_LOCAL"  # ops commands: read the local platform's state file (1, the default)
    STATIC_HOST = "SHIKHAR_STATIC_HOST"  # the CloudFront domain: pages, /static and /media
    BACKOFFICE_HOSTS = "SHIKHAR_BACKOFFICE_HOSTS"  # extra host names (a custom domain), comma-separated
    FUNCTION_TIMEOUT = "SHIKHAR_FUNCTION_TIMEOUT"  # seconds; sizes the AWS calls' time budget
    LOCAL_HTTP = "SHIKHAR_LOCAL_HTTP"  # production settings over plain HTTP: the local emulator only
    LAMBDA_FUNCTION = "AWS_LAMBDA_FUNCTION_NAME"  # set by the Lambda runtime
    BACKOFFICE_PORT = "SHIKHAR_BACKOFFICE_PORT"  # make run's back office (LOCAL_BACKOFFICE_PORT when unset)
    # Payments (marketplace.payments): where each provider is, the secrets (names or ARNs) holding our keys
    # with them, and the base URL of the API as buyers' browsers reach it (the providers send them back there).
    ESEWA_FORM_URL = "SHIKHAR_ESEWA_FORM_URL"
    ESEWA_STATUS_URL = "SHIKHAR_ESEWA_STATUS_URL"
    ESEWA_PRODUCT_CODE = "SHIKHAR_ESEWA_PRODUCT_CODE"
    ESEWA_SECRET = "SHIKHAR_ESEWA_SECRET"
    KHALTI_URL = "SHIKHAR_KHALTI_URL"
    KHALTI_SECRET = "SHIKHAR_KHALTI_SECRET"
    PAYMENT_RETURN_URL = "SHIKHAR_PAYMENT_RETURN_URL"
    PAYMENT_READ_SECONDS = "SHIKHAR_PAYMENT_READ_SECONDS"  # how long a provider may take to answer
    # --- Delivery and alerts (marketplace.delivery, marketplace.alerts) ---
    MAIL_FROM = "SHIKHAR_MAIL_FROM"  # the sender of every e-mail: an address of a domain verified in SES
    SES_CONFIGURATION_SET = "SHIKHAR_SES_CONFIGURATION_SET"  # its bounce/complaint events go to the feedback topic
    SITE_URL = "SHIKHAR_SITE_URL"  # the buyers' site: listing links in messages
    API_URL = "SHIKHAR_API_URL"  # the public API's base URL: unsubscribe links
    BACKOFFICE_URL = "SHIKHAR_BACKOFFICE_URL"  # the back office: brokers' and admins' links
    # ---- digests at scale and push per buyer app (marketplace.alerts.digests, marketplace.delivery.push) ----
    DIGEST_QUEUE_URL = "SHIKHAR_DIGEST_QUEUE_URL"  # the queue of buyers due a digest (the schedule fills it)
    PUSH_TOPIC_ARNS = "SHIKHAR_PUSH_TOPIC_ARNS"  # JSON: each buyer app's push topic, {"ios": "arn:...", ...}
    DOCUMENTS_BUCKET = "SHIKHAR_DOCUMENTS_BUCKET"  # listings' title deeds, permits, certificates (private, KMS)
    # ---- licensed agencies and listings that stay true (marketplace.licensing, marketplace.freshness) ----
    LICENSED_DEAL_THRESHOLD = "SHIKHAR_LICENSED_DEAL_THRESHOLD"  # whole NPR above which a licence is needed
    LICENSED_DEAL_SCOPE = "SHIKHAR_LICENSED_DEAL_SCOPE"  # municipality classes, comma-separated
    LISTING_RECONFIRM_DAYS = "SHIKHAR_LISTING_RECONFIRM_DAYS"  # unconfirmed this long: the broker is asked
    LISTING_EXPIRE_DAYS = "SHIKHAR_LISTING_EXPIRE_DAYS"  # unconfirmed this long: expired, out of search
    SOLD_SHOWN_DAYS = "SHIKHAR_SOLD_SHOWN_DAYS"  # a sold or let listing stays in search this long, badged
    # Read by Powertools (logger, tracer, metrics); infra sets them.
    POWERTOOLS_SERVICE = "POWERTOOLS_SERVICE_NAME"
    POWERTOOLS_METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE"


LOCAL_STAGES = ("local", "test")


def prefix(stage: str) -> str:
    return f"shikhar-{stage}"


# Parameter Store and Secrets Manager: names, not references, so readers never depend on writers' stacks.
def parameter_path(stage: str) -> str:
    return f"/shikhar/{stage}/"


def parameter(stage: str, name: str) -> str:
    return f"{parameter_path(stage)}{name}"


def secret_name(stage: str, name: str) -> str:
    return f"shikhar/{stage}/{name}"


CLOUDFRONT_DOMAIN = "cloudfront/domain"
CLOUDFRONT_KEY_ID = "cloudfront/public-key-id"
SIGNING_KEY_SECRET = "cloudfront-signing-key"
DJANGO_SECRET = "django-secret-key"
CANARY_SECRET = "canary-user"
CURSOR_SECRET = "cursor-key"
# The value CloudFront sends the public API in ORIGIN_VERIFY_HEADER (public_api.origin).
ORIGIN_VERIFY_SECRET = "origin-verify"
ORIGIN_VERIFY_HEADER = "X-Origin-Verify"
# Payments: the keys we hold with eSewa (ePay v2 HMAC secret) and Khalti (live secret key), one secret each.
ESEWA_SECRET = "esewa-secret-key"
KHALTI_SECRET = "khalti-secret-key"

BACKOFFICE_PARAMETERS_DIR = "backoffice"
# The back office's parameters (under /shikhar/<stage>/backoffice/) -> the variable each one fills.
BACKOFFICE_PARAMETERS: dict[str, Env] = {
    "table": Env.TABLE, "raw-bucket": Env.RAW_BUCKET, "public-bucket": Env.PUBLIC_BUCKET,
    "premium-bucket": Env.PREMIUM_BUCKET, "static-bucket": Env.STATIC_BUCKET, "event-bus": Env.EVENT_BUS,
    "user-pool-id": Env.USER_POOL_ID, "backoffice-client-id": Env.BACKOFFICE_CLIENT_ID, "jwks-url": Env.JWKS_URL,
    "documents-bucket": Env.DOCUMENTS_BUCKET,
}


def backoffice_function_name(stage: str) -> str:
    """Zappa names its Lambda ``<project_name>-<stage>``."""
    return f"shikhar-backoffice-{stage}"


def backoffice_role_name(stage: str) -> str:
    return f"{prefix(stage)}-backoffice"


# The back office's Lambda timeout (zappa ``timeout_seconds``); its AWS calls' budget is sized from it.
BACKOFFICE_TIMEOUT_SECONDS = 30
# Proxies in front of the back office in AWS that append to X-Forwarded-For: CloudFront. (API Gateway
# gives Lambda CloudFront's address as the source; the visitor's is the last one CloudFront appended.)
BACKOFFICE_PROXY_HOPS = 1


def backoffice_environment(stage: str) -> dict[str, str]:
    """The back office function's environment in AWS (zappa ``aws_environment_variables``): names and
    how it is deployed only. Everything else comes from the parameters and secrets these name."""
    environment = {
        Env.STAGE: stage, Env.PREFIX: prefix(stage),
        Env.SSM_PATH: parameter(stage, BACKOFFICE_PARAMETERS_DIR),
        Env.DJANGO_SECRET_ID: secret_name(stage, DJANGO_SECRET),
        Env.CURSOR_SECRET: secret_name(stage, CURSOR_SECRET),
        Env.CLOUDFRONT_DOMAIN_PARAMETER: parameter(stage, CLOUDFRONT_DOMAIN),
        # Premium previews: CloudFront signed URLs (marketplace.media_urls); without these they stay locked.
        Env.CLOUDFRONT_KEY_SECRET: secret_name(stage, SIGNING_KEY_SECRET),
        Env.CLOUDFRONT_KEY_ID_PARAMETER: parameter(stage, CLOUDFRONT_KEY_ID),
        Env.PROXY_HOPS: str(BACKOFFICE_PROXY_HOPS),
        Env.FUNCTION_TIMEOUT: str(BACKOFFICE_TIMEOUT_SECONDS),
    }
    return {**environment, Env.REQUIRED: required_variables(environment)}


# Secrets the back office reads at init: a missing one stops the function there, never at a request.
BACKOFFICE_SECRETS = (Env.DJANGO_SECRET_ID, Env.CURSOR_SECRET)


# Cognito app clients ------------------------------------------------------------------------------

@dataclass(frozen=True)
class AppClient:
    """One app client of the user pool. ``properties()`` are both the CloudFormation properties of
    ``AWS::Cognito::UserPoolClient`` and the parameters of ``CreateUserPoolClient`` (same names), so the
    template and the local pool get the same client.

    No client uses the hosted UI or OAuth: both sign people in through Cognito's API (the apps) or the
    back office's own form, so there are no callback or logout URLs to allow."""

    name: str
    sign_in_flows: tuple[str, ...]  # the AuthFlow values the client's users sign in with
    read_attributes: tuple[str, ...]
    write_attributes: tuple[str, ...]
    access_token_minutes: int = 60
    id_token_minutes: int = 60
    refresh_token_minutes: int = 30 * 24 * 60
    challenge_session_minutes: int = 3  # time to answer a challenge (TOTP) after the password
    callback_urls: tuple[str, ...] = ()
    logout_urls: tuple[str, ...] = ()

    @property
    def explicit_auth_flows(self) -> list[str]:
        return [*(f"ALLOW_{flow}" for flow in self.sign_in_flows), "ALLOW_REFRESH_TOKEN_AUTH"]

    def properties(self) -> dict:
        oauth = bool(self.callback_urls)
        return {
            "ClientName": self.name,
            "GenerateSecret": False,
            "ExplicitAuthFlows": self.explicit_auth_flows,
            "AccessTokenValidity": self.access_token_minutes,
            "IdTokenValidity": self.id_token_minutes,
            "RefreshTokenValidity": self.refresh_token_minutes,
            "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "minutes"},
            "AuthSessionValidity": self.challenge_session_minutes,
            "ReadAttributes": list(self.read_attributes),
            "WriteAttributes": list(self.write_attributes),
            "AllowedOAuthFlowsUserPoolClient": oauth,
            **({"CallbackURLs": list(self.callback_urls)} if oauth else {}),
            **({"LogoutURLs": list(self.logout_urls)} if self.logout_urls else {}),
            "SupportedIdentityProviders": ["COGNITO"],
            "PreventUserExistenceErrors": "ENABLED",
            "EnableTokenRevocation": True,
        }


_READABLE = ("email", "email_verified", "name")
# What people may change themselves through an app client (Cognito's names): contact preferences.
_SELF_WRITABLE = ("phone_number", "locale", "zoneinfo")
# What self sign-up sets: AWS's SignUp refuses an attribute the client may not write, so the apps client
# writes these too. The back office names people by their ``sub`` and rereads email and name from Cognito
# (``backoffice.middleware.recheck``), so a change reaches it without trusting the client.
SIGN_UP_ATTRIBUTES = ("email", "name")
# Changed through an app client, these keep their old value until the code sent to the new value is
# confirmed (VerifyUserAttribute): nobody can move an account to an address they do not hold.
VERIFIED_BEFORE_UPDATE = ("email",)


def user_attribute_update_settings() -> dict:
    """The pool's ``UserAttributeUpdateSettings``: the CloudFormation property and CreateUserPool's
    parameter (same names), so the template and the local pool agree."""
    return {"AttributesRequireVerificationBeforeUpdate": list(VERIFIED_BEFORE_UPDATE)}


# The buyers' web and mobile apps: public clients (nothing secret ships in an app). SRP keeps the password
# off the wire; USER_PASSWORD_AUTH serves the synthetic canary and clients without an SRP library.
# Buyers sign themselves up through it (SignUp), so it writes what sign-up sets.
APPS_CLIENT = AppClient(name="shikhar-apps", sign_in_flows=("USER_SRP_AUTH", "USER_PASSWORD_AUTH"),
                        read_attributes=_READABLE, write_attributes=(*SIGN_UP_ATTRIBUTES, *_SELF_WRITABLE))

# The back office signs people in server-side: the password reaches Django over TLS anyway, so SRP adds
# nothing, and ADMIN_USER_PASSWORD_AUTH needs the back office role's IAM credentials besides the client
# id: nobody holding only the id can use this client to guess passwords. No client secret: IAM already
# authenticates the caller, and a secret would be one more credential to store and rotate.
# Tokens live as long as a back office session (8 hours); the session itself is Django's. Nobody signs up
# through it: email and name change only through the apps (verified) or an admin.
BACKOFFICE_CLIENT = AppClient(name="shikhar-backoffice", sign_in_flows=("ADMIN_USER_PASSWORD_AUTH",),
                              read_attributes=_READABLE, write_attributes=_SELF_WRITABLE,
                              refresh_token_minutes=8 * 60)
APP_CLIENTS = (APPS_CLIENT, BACKOFFICE_CLIENT)


# Content Security Policy -------------------------------------------------------------------------

SELF, NONE = "'self'", "'none'"


def raw_upload_origins(*, bucket: str, region: str, endpoint_url: str | None = None) -> list[str]:
    """Where browsers post presigned uploads: the emulator, or the bucket's virtual host (boto3 signs
    for either spelling depending on its version, so both are allowed)."""
    if endpoint_url:
        return [origin(endpoint_url)]
    return [f"https://{bucket}.s3.amazonaws.com", f"https://{bucket}.s3.{region}.amazonaws.com"]


# The raw bucket's CORS rule must name the page a browser uploads from (the back office). In AWS that is
# the stage's CloudFront domain, which the data stack cannot know (the distribution is made later, from
# the buckets), so any CloudFront domain is named: CORS only decides whether a page may read the answer;
# what may be written, and where, is decided by the presigned POST's signature.
CLOUDFRONT_ORIGINS = "https://*.cloudfront.net"


def upload_cors_origins(*, site_origins: Sequence[str] = ()) -> list[str]:
    """Origins the raw bucket accepts browser uploads from in AWS: the back office on CloudFront, plus
    the stage's own sites."""
    return _unique([CLOUDFRONT_ORIGINS, *site_origins])


LOCAL_BACKOFFICE_PORT = 8000


def backoffice_port() -> int:
    """Where ``make run`` serves the back office."""
    return int(os.environ.get(Env.BACKOFFICE_PORT) or LOCAL_BACKOFFICE_PORT)


def local_backoffice_origins(port: int = LOCAL_BACKOFFICE_PORT) -> list[str]:
    """The back office run locally: the raw bucket's CORS rule names it locally and in dev (a developer's
    ``make run`` against dev's bucket)."""
    return [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]


def origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def content_security_policy(*, upload_origins: Sequence[str] = (), media_origins: Sequence[str] = (),
                            document_origins: Sequence[str] = ()) -> dict:
    """The one policy: sent by the edge (CloudFront response headers, override on) and by Django.
    No inline scripts or styles anywhere; media from the same site (CloudFront /media and /premium)
    or the named origins; uploads straight to the raw bucket (by script or form) and listing documents
    to the documents bucket by a plain form (form-action only: no script talks to that bucket)."""
    return {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *_unique(media_origins)],
        "media-src": [SELF, *_unique(media_origins)],
        "connect-src": [SELF, *_unique(upload_origins)],
        "form-action": [SELF, *_unique([*upload_origins, *document_origins])],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }


def site_csp(*, raw_bucket: str, documents_bucket: str, region: str, endpoint_url: str | None = None,
             media_urls: Iterable[str | None] = ()) -> dict:
    """The policy for one platform: the edge's in AWS (no endpoint, media from the distribution itself),
    Django's everywhere, the local edge's on the emulator. In AWS each bucket has its own host, so the
    documents bucket is named beside the raw one (on the emulator both are the endpoint's origin)."""
    return content_security_policy(
        upload_origins=raw_upload_origins(bucket=raw_bucket, region=region, endpoint_url=endpoint_url),
        document_origins=raw_upload_origins(bucket=documents_bucket, region=region, endpoint_url=endpoint_url),
        media_origins=[origin(url) for url in media_urls if url])


def csp_header(policy: dict) -> str:
    """The header value, spelled as Django's CSP middleware spells it."""
    return "; ".join(f"{directive} {' '.join(values)}" for directive, values in policy.items())


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


# Hosts -------------------------------------------------------------------------------------------

# CloudFront forwards every viewer header to the back office except Host (API Gateway answers only to its
# own name), so the edge's viewer-request function copies the viewer's Host into this header and Django
# reads the host from it (USE_X_FORWARDED_HOST). ALLOWED_HOSTS then names the CloudFront domain only:
# a request to the origin's own address, without the header, is refused.
FORWARDED_HOST_HEADER = "X-Forwarded-Host"


def allowed_hosts(*, cloudfront_domain: str, extra: str = "") -> list[str]:
    return _unique([cloudfront_domain, *(h.strip() for h in extra.split(","))])


# Start-up in Lambda ------------------------------------------------------------------------------

def handler_name(function: Callable) -> str:
    """The handler string Lambda imports ``function`` by (infra names handlers from the functions)."""
    return f"{function.__module__}.{function.__qualname__}"


def in_lambda() -> bool:
    return bool(os.environ.get(Env.LAMBDA_FUNCTION))


def stop(message: str) -> None:
    """End the function's init with one log line (no traceback): Lambda reports the init failure."""
    print(f"CONFIGURATION ERROR: {message}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def required_variables(environment: Iterable[str]) -> str:
    """The value of ``Env.REQUIRED`` for a function given ``environment`` by its stack."""
    return ",".join(sorted(str(name) for name in environment if name != Env.REQUIRED))


def require_declared() -> None:
    """Every Lambda function's init (``marketplace.config`` runs it on import): its stage and every variable
    its stack declared (``Env.REQUIRED``) must be set. Outside Lambda: nothing to check."""
    declared = os.environ.get(Env.REQUIRED, "")
    require_deployed(*(name for name in declared.split(",") if name))


def require_deployed(*variables: str) -> None:
    """In Lambda: the stage and every named variable must be set, and the stage must be a deployed one;
    nothing falls back to local defaults. Outside Lambda: nothing to check."""
    if not in_lambda():
        return
    stage = os.environ.get(Env.STAGE, "")
    missing = [name for name in (Env.STAGE, *variables) if not os.environ.get(name)]
    if missing:
        stop(f"{', '.join(missing)} not set in the function's environment; refusing to start")
    if stage in LOCAL_STAGES:
        stop(f"{Env.STAGE}={stage} is for the local platform only; refusing to start in Lambda")
