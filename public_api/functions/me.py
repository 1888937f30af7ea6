"""The signed-in buyer: profile and favorites: ``public_api.functions.me.handler``."""

from __future__ import annotations

from public_api import startup  # first: the init below runs with garbage collection paused
from public_api.function import lambda_handler, prebuild_clients, resolver
from public_api.routers import favorites, me

app = resolver()
app.include_router(me.router, prefix="/v1/me")
app.include_router(favorites.router, prefix="/v1/me/favorites")
prebuild_clients()
handler = lambda_handler(app)
startup.finished()
