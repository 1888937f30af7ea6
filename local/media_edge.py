"""The local media edge: CloudFront's media behaviours, ``/media/*`` from the public bucket to anyone,
``/premium/*`` from the premium bucket only with a valid CloudFront signed URL.

As the distribution in ``infra/stacks/edge.py`` does: the first path segment picks the bucket and is
dropped (``/media/listings/<l>/<m>/w400.webp`` is the object ``listings/<l>/<m>/w400.webp``); premium
URLs must carry ``Expires`` + ``Signature`` + ``Key-Pair-Id`` (canned policy) or ``Policy`` +
``Signature`` + ``Key-Pair-Id`` (custom policy, whose resource may end in a wildcard: one signature for
an HLS playlist and all its segments), as query parameters or as the same values in CloudFront's signed
cookies (``CloudFront-Expires``/``-Policy``/``-Signature``/``-Key-Pair-Id``), signed with RSA-SHA1 by a
key of the trusted key group, for this URL and not expired; anything else is a 403 with CloudFront's XML
error. The key group
is the public half of the key pair the API signs with (``local.provision`` publishes it in SSM). The
object's own headers pass through (Cache-Control, ETag, Last-Modified, Content-Type), conditional and
range requests reach S3, and CloudFront's own headers are added (Via, X-Cache, X-Amz-Cf-*) with the
response headers policy's security headers. A missing object is a 403, as S3 answers an origin access
control without ``s3:ListBucket``.

The API gateway (``local.gateway``) serves these paths next to the API, as the one distribution serves
``/media``, ``/premium`` and ``/api`` in AWS.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import re
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, unquote

from botocore.exceptions import ClientError
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from werkzeug.wrappers import Request, Response

from infra.edge_headers import SECURITY_HEADERS
from marketplace.aws import client
from marketplace.config import settings

PUBLIC_PATH, PREMIUM_PATH = "/media/", "/premium/"
SIGNING_PARAMETERS = ("Expires", "Policy", "Signature", "Key-Pair-Id")
COOKIE_PREFIX = "CloudFront-"  # signed cookies: the same values under CloudFront-<parameter>
DEFAULT_EDGE_PORT = 8001  # the gateway's port: one local origin for the API and media, like the distribution
KEY_GROUP_PARAMETER = "SHIKHAR_EDGE_KEY_GROUP_PARAMETER"
_PASSED_THROUGH = ("Content-Type", "Content-Length", "Content-Range", "Cache-Control", "ETag", "Last-Modified",
                   "Accept-Ranges", "Content-Encoding", "Content-Disposition", "Expires")


def edge_url() -> str:
    """Where the local media edge answers: the gateway's origin (``SHIKHAR_API_PORT``, default 8001)."""
    return f"http://127.0.0.1:{int(os.environ.get('SHIKHAR_API_PORT') or DEFAULT_EDGE_PORT)}"


def serves(path: str) -> bool:
    return path.startswith((PUBLIC_PATH, PREMIUM_PATH))


class Denied(Exception):
    """CloudFront's refusal of a signed URL: its error code and message."""

    def __init__(self, code: str = "AccessDenied", message: str = "Access denied"):
        super().__init__(message)
        self.code, self.message = code, message


def _cf_b64decode(value: str) -> bytes:
    try:
        return base64.b64decode(value.replace("-", "+").replace("_", "=").replace("~", "/"), validate=True)
    except ValueError:
        raise Denied("MalformedSignature", "Malformed signature") from None


@lru_cache(maxsize=1)
def _key_group(parameter: str) -> dict:
    """Key id -> public key, from the parameter provisioning writes (the trusted key group)."""
    value = client("ssm").get_parameter(Name=parameter)["Parameter"]["Value"]
    return {key_id: serialization.load_pem_public_key(pem.encode()) for key_id, pem in json.loads(value).items()}


def _public_key(key_id: str):
    parameter = os.environ.get(KEY_GROUP_PARAMETER)
    if not parameter:
        raise Denied("InvalidKey", "Unknown Key")
    keys = _key_group(parameter)
    if key_id not in keys:  # a key published since (a fresh platform): read the group again once
        _key_group.cache_clear()
        keys = _key_group(parameter)
    if key_id not in keys:
        raise Denied("InvalidKey", "Unknown Key")
    return keys[key_id]


def _canned_policy(resource: str, expires: str) -> bytes:
    try:
        moment = int(expires)
    except ValueError:
        raise Denied("MalformedExpires", "Malformed Expires") from None
    return json.dumps({"Statement": [{"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": moment}}}]},
                      separators=(",", ":")).encode()


@dataclass(frozen=True)
class _Statement:
    resource: str
    less_than: int
    greater_than: int | None
    source_ip: str | None


def _statement(policy: bytes) -> _Statement:
    try:
        statement = json.loads(policy)["Statement"][0]
        condition = statement["Condition"]
        greater = condition.get("DateGreaterThan", {}).get("AWS:EpochTime")
        return _Statement(resource=statement.get("Resource", "*"),
                          less_than=int(condition["DateLessThan"]["AWS:EpochTime"]),
                          greater_than=None if greater is None else int(greater),
                          source_ip=condition.get("IpAddress", {}).get("AWS:SourceIp"))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        raise Denied("MalformedPolicy", "Malformed Policy") from None


def _matches(pattern: str, url: str) -> bool:
    """A custom policy's resource: ``*`` any characters, ``?`` one character, nothing else special."""
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, url) is not None


def _check_statement(statement: _Statement, *, url: str, source_ip: str, now: float) -> None:
    if not _matches(statement.resource, url):
        raise Denied()
    if now >= statement.less_than or (statement.greater_than is not None and now <= statement.greater_than):
        raise Denied()
    if statement.source_ip:
        network = statement.source_ip if "/" in statement.source_ip else f"{statement.source_ip}/32"
        if ipaddress.ip_address(source_ip) not in ipaddress.ip_network(network, strict=False):
            raise Denied()


def verify_signed_url(*, url: str, query: list[tuple[str, str]], source_ip: str, now: float | None = None) -> None:
    """Raise ``Denied`` unless the query signs ``url`` (the request's URL without the signing parameters)
    as CloudFront checks it: a known key, a valid RSA-SHA1 signature of the canned or custom policy, a
    resource matching this URL, and the policy's time (and address) conditions."""
    params = dict(query)
    if "Key-Pair-Id" not in params:
        raise Denied("MissingKey", "Missing Key-Pair-Id query parameter or cookie value")
    if "Signature" not in params or ("Expires" not in params and "Policy" not in params):
        raise Denied("MissingKey", "Missing Key-Pair-Id query parameter or cookie value")
    key = _public_key(params["Key-Pair-Id"])
    if "Policy" in params:
        policy = _cf_b64decode(params["Policy"])
        statement = _statement(policy)
    else:
        policy = _canned_policy(url, params["Expires"])
        statement = _statement(policy)
    try:
        key.verify(_cf_b64decode(params["Signature"]), policy, padding.PKCS1v15(), hashes.SHA1())
    except InvalidSignature:
        raise Denied() from None
    _check_statement(statement, url=url, source_ip=source_ip, now=time.time() if now is None else now)


def _raw_path(request: Request) -> str:
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
    return raw.split("?", 1)[0]


def _request_url(request: Request) -> tuple[str, list[tuple[str, str]]]:
    """The URL a signature must cover (signing parameters removed, other parameters kept in order) and
    the signing values: from the query when it carries a signature, else from the signed cookies (as
    CloudFront reads them)."""
    raw_query = request.query_string.decode("latin-1")
    rest = [part for part in raw_query.split("&") if part and unquote(part.split("=", 1)[0]) not in SIGNING_PARAMETERS]
    url = f"{request.scheme}://{request.host}{_raw_path(request)}"
    signing = parse_qsl(raw_query, keep_blank_values=True)
    if "Signature" not in dict(signing):
        signing = [(name, request.cookies[COOKIE_PREFIX + name]) for name in SIGNING_PARAMETERS
                   if COOKIE_PREFIX + name in request.cookies]
    return (f"{url}?{'&'.join(rest)}" if rest else url), signing


def _edge_headers(response: Response, hit: bool = False) -> Response:
    response.headers["Via"] = "1.1 local.cloudfront.net (CloudFront)"
    response.headers["X-Cache"] = f"{'Hit' if hit else 'Miss'} from cloudfront"
    response.headers["X-Amz-Cf-Pop"] = "LOCAL50-C1"
    response.headers["X-Amz-Cf-Id"] = base64.urlsafe_b64encode(uuid.uuid4().bytes * 2).decode().rstrip("=")
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    return response


def _error(code: str, message: str, status: int = 403) -> Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return _edge_headers(Response(body, status=status, content_type="text/xml"))


_CONDITIONAL = {"If-None-Match": "IfNoneMatch", "If-Match": "IfMatch", "If-Modified-Since": "IfModifiedSince",
                "If-Unmodified-Since": "IfUnmodifiedSince", "Range": "Range"}


def _from_bucket(request: Request, bucket: str, key: str) -> Response:
    extra = {arg: request.headers[header] for header, arg in _CONDITIONAL.items() if request.headers.get(header)}
    s3 = client("s3")
    try:
        found = (s3.head_object if request.method == "HEAD" else s3.get_object)(Bucket=bucket, Key=key, **extra)
    except ClientError as error:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 403)
        if status in (304, 412, 416):
            return _edge_headers(Response(status=status))
        return _error("AccessDenied", "Access Denied")  # S3 through origin access control hides absence
    meta = found["ResponseMetadata"]["HTTPHeaders"]
    body = b"" if request.method == "HEAD" else found["Body"].read()
    response = Response(body, status=found["ResponseMetadata"]["HTTPStatusCode"])
    for name in _PASSED_THROUGH:
        if name.lower() in meta:
            response.headers[name] = meta[name.lower()]
    return _edge_headers(response)


def handle(request: Request) -> Response:
    """Serve one ``/media/*`` or ``/premium/*`` request as the distribution would."""
    if request.method not in ("GET", "HEAD"):
        return _error("MethodNotAllowed", "This distribution is not configured to allow the HTTP request method "
                                          "that was used for this request.")
    raw_path = _raw_path(request)
    premium = raw_path.startswith(PREMIUM_PATH)
    key = unquote(raw_path[len(PREMIUM_PATH if premium else PUBLIC_PATH):])
    if premium:
        url, query = _request_url(request)
        try:
            verify_signed_url(url=url, query=query, source_ip=request.remote_addr or "127.0.0.1")
        except Denied as denied:
            return _error(denied.code, denied.message)
    if not key or key.endswith("/"):
        return _error("AccessDenied", "Access Denied")
    cfg = settings()
    return _from_bucket(request, cfg.premium_bucket if premium else cfg.public_bucket, key)


def reset() -> None:
    _key_group.cache_clear()
