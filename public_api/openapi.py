"""The OpenAPI document of every route, generated from the routers and their pydantic models.

``python -m public_api.openapi`` writes ``public_api/openapi.json``; a test fails when the committed
file and the code disagree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.models import Server

from public_api.function import include_routers
from public_api.routes import ROUTES, routers_of

DOCUMENT = Path(__file__).resolve().parent / "openapi.json"
TITLE = "Shikhar public API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Luxury property in Kathmandu for buyers' web and mobile apps. Public routes take an optional "
    "`Authorization: Bearer <Cognito token>` that unlocks what the caller's subscription entitles them to; "
    "`/v1/me` routes and inquiries need one. Prices are whole NPR; land is ropani-aana-paisa-daam and ft². "
    "Errors are `{code, message, field, errors}`.")


def application() -> APIGatewayHttpResolver:
    """A resolver with the router of every documented route, as the functions serve them between them."""
    return include_routers(APIGatewayHttpResolver(enable_validation=True), routers_of(production=True))


# API Gateway's own answers, sent before (or instead of) any function: exactly these bodies.
GATEWAY_MESSAGES = {401: "Unauthorized", 403: "Forbidden", 413: "Request Entity Too Large",
                    429: "Too Many Requests"}
GATEWAY_ERROR = {
    "title": "GatewayError", "type": "object", "required": ["message"], "additionalProperties": False,
    "description": "An answer of API Gateway itself (JWT authorizer, payload limit, throttling): no function ran.",
    "properties": {"message": {"type": "string", "enum": list(GATEWAY_MESSAGES.values())}},
}
_WHY_GATEWAY = {
    401: "The JWT authorizer refused the request: no token, or one that is not valid (no function ran)",
    403: "The JWT authorizer refused the token's scopes (no function ran)",
    413: "The body is over API Gateway's 10 MB limit (no function ran)",
    429: "Throttled by the stage's rate and burst limits; retry with backoff (no function ran)",
}


def _gateway_answers(schema: dict) -> None:
    """Add the gateway's own answers to every documented operation: 429 and 413 on every route, 401 and
    403 on the routes behind the JWT authorizer (where the function never sees an unauthenticated call)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["GatewayError"] = GATEWAY_ERROR
    ref = {"$ref": "#/components/schemas/GatewayError"}
    for route in (r for r in ROUTES if r.documented):
        responses = schema["paths"][route.path][route.method.lower()]["responses"]
        for status in ((401, 403, 413, 429) if route.signed_in else (413, 429)):
            content = responses.get(str(status), {}).get("content", {}).get("application/json", {}).get("schema")
            responses[str(status)] = {
                "description": _WHY_GATEWAY[status] if content is None else
                f"{responses[str(status)]['description']}; or from API Gateway: {_WHY_GATEWAY[status]}",
                "content": {"application/json": {"schema": ref if content is None else {"anyOf": [content, ref]}}}}


def document() -> dict:
    schema = json.loads(application().get_openapi_json_schema(
        title=TITLE, version=VERSION, description=DESCRIPTION, servers=[Server(url="/")],
        security_schemes={"cognito": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}))
    _gateway_answers(schema)
    return schema


def rendered() -> str:
    return json.dumps(document(), indent=2, sort_keys=True) + "\n"


def main() -> int:
    DOCUMENT.write_text(rendered())
    print(f"wrote {DOCUMENT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
