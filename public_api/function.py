"""What every Lambda function of the API is built from: its resolver, its prebuilt clients, its entry point.
The functions themselves are ``public_api.functions.<name>`` (handler ``<module>.handler``, listed in
``public_api.routes``)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from marketplace.models import Item
from public_api import errors
from public_api.config import MAX_BODY_BYTES
from public_api.observability import instrument


def resolver() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)
    errors.install(app)
    return app


def prebuild_clients() -> None:
    """Build the table's DynamoDB client at init (SnapStart snapshots it; the first request does not pay).
    PynamoDB builds one lazily per model class: every read of these functions goes through ``Item``."""
    Item._get_connection().connection.client  # noqa: B018 - the property builds and caches the client


def lambda_handler(app: APIGatewayHttpResolver):
    """The entry point for a resolver: body size bounded before anything is parsed."""

    def handler(event, context):
        body = (event or {}).get("body") or ""
        size = len(body) * 3 // 4 if (event or {}).get("isBase64Encoded") else len(body.encode())
        if size > MAX_BODY_BYTES:
            response = errors.problem(413, "payload_too_large",
                                      f"the request body must be at most {MAX_BODY_BYTES} bytes", field="body")
            return {"statusCode": 413, "headers": response.headers, "body": response.body}
        return app.resolve(event, context)

    return instrument(handler)
