"""Search, feed, neighbourhoods and listing detail: ``public_api.functions.listings.handler``."""

from __future__ import annotations

from public_api import startup  # first: the init below runs with garbage collection paused
from public_api.config import api_settings
from public_api.function import lambda_handler, prebuild_clients, resolver
from public_api.routers import feed, listings, neighborhoods

app = resolver()
app.include_router(listings.router, prefix="/v1/listings")
app.include_router(feed.router, prefix="/v1/feed")
app.include_router(neighborhoods.router, prefix="/v1/neighborhoods")
if not api_settings().production:
    from public_api.routers import docs  # Swagger UI: never served in production

    app.include_router(docs.router)
prebuild_clients()
handler = lambda_handler(app)
startup.finished()
