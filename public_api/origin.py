"""Only requests that came through the edge are served: CloudFront adds a secret origin header
(``marketplace.deployment.ORIGIN_VERIFY_HEADER``) to every request it sends the API, so a request straight
to the HTTP API's own address (bypassing CloudFront's WAF and rate rules) is refused with 403.

The secret is in Secrets Manager (``Env.ORIGIN_VERIFY_SECRET`` names it); the edge stack puts its value into
the distribution's origin configuration. Checked here, in the entry point every function shares, rather
than by a Lambda authorizer: an HTTP API route has one authorizer, and the signed-in routes' is the JWT
authorizer (verification at the gateway, no code of ours); a Lambda authorizer would replace it and add a
second function invocation to every request.

Rotation (docs/runbooks/origin-secret.md): both the current and the previous version of the secret are accepted,
and a request carrying an unknown value makes a function read the secret again (at most once a minute),
so a new value put into the secret, then the edge redeployed, never refuses a request that came
through CloudFront. Without ``Env.ORIGIN_VERIFY_SECRET`` (the local dev profile, tests) nothing is checked.
"""

from __future__ import annotations

import hmac
import os
import time

from botocore.exceptions import BotoCoreError, ClientError

from marketplace.aws import client
from marketplace.deployment import ORIGIN_VERIFY_HEADER, Env, in_lambda, stop
from public_api import errors

RELOAD_SECONDS = 60  # an unknown header value re-reads the secret at most this often per container
_HEADER = ORIGIN_VERIFY_HEADER.lower()
_state: dict = {"values": (), "read_at": 0.0}


def secret_id() -> str:
    return os.environ.get(Env.ORIGIN_VERIFY_SECRET, "")


def load() -> None:
    """Read the accepted values (the secret's current and previous versions). In a function's init: in
    Lambda an unreadable secret stops the function there with one log line."""
    try:
        _state["values"] = _read(secret_id())
    except (ClientError, BotoCoreError) as error:
        message = f"cannot read the origin secret ({Env.ORIGIN_VERIFY_SECRET}={secret_id()}): {error}"
        if in_lambda():
            stop(message)
        raise RuntimeError(message) from error
    _state["read_at"] = time.monotonic()


def _read(name: str) -> tuple[str, ...]:
    secrets = client("secretsmanager")
    values = [secrets.get_secret_value(SecretId=name)["SecretString"]]
    try:
        values.append(secrets.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"])
    except secrets.exceptions.ResourceNotFoundException:  # never rotated: no previous version
        pass
    return tuple(v for v in values if v)


def refused(event: dict) -> dict | None:
    """The 403 answer to a request that did not come through the edge; None when it did (or nothing is
    configured to check)."""
    if not secret_id():
        return None
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    sent = headers.get(_HEADER, "")
    if sent and _accepted(sent):
        return None
    response = errors.problem(403, "forbidden", "requests reach this API through its CloudFront domain only")
    return {"statusCode": 403, "headers": response.headers, "body": response.body}


def _accepted(sent: str) -> bool:
    if any(hmac.compare_digest(sent.encode(), value.encode()) for value in _state["values"]):
        return True
    if time.monotonic() - _state["read_at"] < RELOAD_SECONDS and _state["values"]:
        return False
    try:  # a rotation may have happened since the values were read
        _state["values"], _state["read_at"] = _read(secret_id()), time.monotonic()
    except (ClientError, BotoCoreError):
        return False
    return any(hmac.compare_digest(sent.encode(), value.encode()) for value in _state["values"])


def reset() -> None:
    """Forget the values read (tests)."""
    _state.update(values=(), read_at=0.0)
