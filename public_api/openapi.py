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

from public_api.routers import favorites, feed, inquiries, listings, me, neighborhoods

DOCUMENT = Path(__file__).resolve().parent / "openapi.json"
TITLE = "Shikhar public API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Luxury property in Kathmandu for buyers' web and mobile apps. Public routes take an optional "
    "`Authorization: Bearer <Cognito token>` that unlocks what the caller's subscription entitles them to; "
    "`/v1/me` routes and inquiries need one. Prices are whole NPR; land is ropani-aana-paisa-daam and ft². "
    "Errors are `{code, message, field, errors}`.")


def application() -> APIGatewayHttpResolver:
    """A resolver with every router, as the three functions serve them between them."""
    app = APIGatewayHttpResolver(enable_validation=True)
    app.include_router(listings.router, prefix="/v1/listings")
    app.include_router(inquiries.router, prefix="/v1/listings")
    app.include_router(feed.router, prefix="/v1/feed")
    app.include_router(neighborhoods.router, prefix="/v1/neighborhoods")
    app.include_router(me.router, prefix="/v1/me")
    app.include_router(favorites.router, prefix="/v1/me/favorites")
    return app


def document() -> dict:
    schema = application().get_openapi_json_schema(
        title=TITLE, version=VERSION, description=DESCRIPTION, servers=[Server(url="/")],
        security_schemes={"cognito": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}})
    return json.loads(schema)


def rendered() -> str:
    return json.dumps(document(), indent=2, sort_keys=True) + "\n"


def main() -> int:
    DOCUMENT.write_text(rendered())
    print(f"wrote {DOCUMENT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
