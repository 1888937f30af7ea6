"""Opaque, tamper-proof cursors over DynamoDB pages.

A cursor is the page's LastEvaluatedKey, bound to the query it came from (its ``scope``: index and
partition) and signed with HMAC-SHA256, so a client can neither forge one nor replay it against
another partition. In AWS the key is the Secrets Manager secret named by ``SHIKHAR_CURSOR_SECRET``,
read once per container at init (``read_key_at_init``); ``SHIKHAR_CURSOR_KEY`` gives it directly; only the emulator and tests may
fall back to a fixed key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass, field
from functools import cache

from botocore.exceptions import BotoCoreError, ClientError

from marketplace.config import settings
from marketplace.deployment import LOCAL_STAGES, Env, in_lambda, stop
from marketplace.errors import ValidationError

_KEY_NAME = re.compile(r"pk|sk|gsi\d(?:pk|sk)")
_LOCAL_KEY = b"shikhar-local-cursor-key"  # used only where no key is configured (emulator, tests)


def cursor_key() -> bytes:
    """The signing key. Deployables that must not start without it call this at init."""
    configured = os.environ.get(Env.CURSOR_KEY)
    if configured:
        return configured.encode()
    secret = os.environ.get(Env.CURSOR_SECRET)
    if secret:
        return _secret_key(secret)
    if settings().environment in LOCAL_STAGES:
        return _LOCAL_KEY
    raise RuntimeError(f"no cursor key: set {Env.CURSOR_SECRET} (or {Env.CURSOR_KEY}) so cursors cannot be forged")


def read_key_at_init() -> None:
    """Read the key now, in a function's init: in Lambda a missing or unreadable secret stops the function
    there with one log line, instead of failing its first request that pages. Elsewhere it raises."""
    try:
        cursor_key()
    except (ClientError, BotoCoreError, RuntimeError) as error:
        message = f"cannot read the cursor key ({Env.CURSOR_SECRET}={os.environ.get(Env.CURSOR_SECRET)}): {error}"
        if in_lambda():
            stop(message)
        raise RuntimeError(message) from error


@cache
def _secret_key(secret_id: str) -> bytes:
    from marketplace.aws import (
        client,  # boto3 only when a secret is read: the API's cold start stays free of it
    )

    return client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"].encode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_cursor(last_evaluated_key: dict | None, *, scope: str) -> str | None:
    if not last_evaluated_key:
        return None
    return _signed({"s": scope, "k": last_evaluated_key})


def _signature(body: bytes) -> bytes:
    return hmac.new(cursor_key(), body, hashlib.sha256).digest()[:16]


def _signed(payload: dict) -> str:
    """``payload`` as JSON with our key's signature: the text of every cursor."""
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return f"{_b64(body)}.{_b64(_signature(body))}"


def _signed_payload(cursor: str, *, field_name: str):
    """The JSON a cursor from ``_signed`` carries; a forged or malformed one is a ``ValidationError``."""
    try:
        body_text, signature_text = cursor.split(".", 1)
        body, signature = _unb64(body_text), _unb64(signature_text)
    except (ValueError, TypeError):
        raise ValidationError("is not a valid cursor", field=field_name) from None
    if not hmac.compare_digest(signature, _signature(body)):
        raise ValidationError("is not a valid cursor", field=field_name)
    try:
        return json.loads(body)
    except ValueError:  # signed but not JSON: a key that once signed something else
        raise ValidationError("is not a valid cursor", field=field_name) from None


def decode_cursor(cursor: str | None, *, scope: str, field_name: str = "cursor") -> dict | None:
    if not cursor:
        return None
    payload = _signed_payload(cursor, field_name=field_name)
    if not isinstance(payload, dict) or payload.get("s") != scope:
        raise ValidationError("belongs to a different query", field=field_name)
    key = payload.get("k")
    if not _is_key(key):
        raise ValidationError("is not a valid cursor", field=field_name)
    return key


def _is_key(key) -> bool:
    """A LastEvaluatedKey as the table writes it: the base keys and at most one index's, all strings
    (``{"pk": {"S": "..."}, "sk": {"S": "..."}}``)."""
    return (isinstance(key, dict) and {"pk", "sk"} <= set(key) and len(key) <= 4
            and all(_KEY_NAME.fullmatch(name) and isinstance(value, dict) and len(value) == 1
                    and isinstance(value.get("S"), str) and 0 < len(value["S"]) <= 1024
                    for name, value in key.items()))


@dataclass
class Page[T]:
    items: list[T]
    cursor: str | None = None
    extra: dict = field(default_factory=dict)


def scope_of(pattern, *arguments) -> str:
    """A cursor's scope: the access pattern (a model's classmethod, e.g. ``Listing.by_status``) and the
    arguments that choose its partition and range, so a cursor continues only the query it came from."""
    return ":".join([pattern.__qualname__, *map(str, arguments)])


def page_of(result_iterator, *, scope: str) -> Page:
    """Drain one PynamoDB query page (called with ``limit``) into a ``Page`` with its cursor."""
    items = list(result_iterator)
    return Page(items=items, cursor=encode_cursor(result_iterator.last_evaluated_key, scope=scope))


def encode_position(position: list, *, scope: str) -> str:
    """A signed cursor over any JSON position (a keyset: sort values and an id), bound to ``scope``."""
    return _signed({"s": scope, "p": position})


def decode_position(cursor: str | None, *, scope: str, field_name: str = "cursor") -> list | None:
    """The position of a cursor from ``encode_position``; a forged, foreign or malformed one is a
    ``ValidationError`` naming the field."""
    if not cursor:
        return None
    payload = _signed_payload(cursor, field_name=field_name)
    if not isinstance(payload, dict) or not isinstance(payload.get("p"), list):
        raise ValidationError("is not a valid cursor", field=field_name)
    if payload.get("s") != scope:
        raise ValidationError("belongs to a different query", field=field_name)
    return payload["p"]
