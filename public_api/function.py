"""What every Lambda function of the API is built from: its resolver with the routers its routes name
(``public_api.routes``), its prebuilt clients, its entry point. The functions themselves are
``public_api.functions.<name>`` (handler ``<module>.handler``)."""

from __future__ import annotations

import base64
import binascii
import importlib

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from marketplace.models import Item
from public_api import errors, origin
from public_api.config import MAX_BODY_BYTES, api_settings
from public_api.observability import instrument
from public_api.routes import ROUTERS, routers_of


def resolver() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)
    errors.install(app)
    return app


def include_routers(app: APIGatewayHttpResolver, routers: list[str]) -> APIGatewayHttpResolver:
    """Mount each named router of ``public_api.routers`` where ``ROUTERS`` says. Imported by name, as
    the Lambda runtime imports a handler (quicker at init than a package importing them all)."""
    for name in routers:
        module = importlib.import_module(f"public_api.routers.{name}")
        app.include_router(module.router, prefix=ROUTERS[name] or None)
    return app


def prebuild_clients() -> None:
    """Build the table's DynamoDB client at init (SnapStart snapshots it; the first request does not pay).
    PynamoDB builds one lazily per model class: every read of these functions goes through ``Item``."""
    Item._get_connection().connection.client  # noqa: B018 - the property builds and caches the client


def _refusal(status: int, code: str, message: str) -> dict:
    response = errors.problem(status, code, message, field="body")
    return {"statusCode": status, "headers": response.headers, "body": response.body}


def _body_problem(event: dict) -> dict | None:
    """What is wrong with a request body before anything parses it: too large, not JSON, not UTF-8."""
    body = event.get("body") or ""
    encoded = bool(event.get("isBase64Encoded"))
    size = len(body) * 3 // 4 if encoded else len(body.encode())
    if size > MAX_BODY_BYTES:
        return _refusal(413, "payload_too_large", f"the request body must be at most {MAX_BODY_BYTES} bytes")
    if not body:
        return None
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        return _refusal(415, "unsupported_media_type", "send the body as JSON (Content-Type: application/json)")
    if encoded:  # HTTP API base64-encodes bodies it does not take for text
        try:
            event["body"] = base64.b64decode(body, validate=True).decode("utf-8")
            event["isBase64Encoded"] = False
        except (binascii.Error, UnicodeDecodeError):
            return _refusal(422, "validation_error", "the body must be JSON in UTF-8")
    return None


def lambda_handler(app: APIGatewayHttpResolver):
    """The entry point for a resolver: only requests that came through the edge (``public_api.origin``;
    its secret read now, at init), the body bounded, and JSON in UTF-8, before anything parses it."""
    if origin.secret_id():
        origin.load()

    def handler(event, context):
        refused = origin.refused(event or {}) or _body_problem(event or {})
        if refused is not None:
            return refused
        return app.resolve(event, context)

    return instrument(handler)


def function_handler(function: str):
    """The entry point of one function: a resolver with the routers of its routes (its documentation's
    only outside production), the table's client built at init."""
    app = include_routers(resolver(), routers_of(function, production=api_settings().production))
    prebuild_clients()
    return lambda_handler(app)
