"""Inquiries to a listing's broker: ``public_api.functions.inquiries.handler``."""

from __future__ import annotations

from public_api import startup  # first: the init below runs with garbage collection paused
from public_api.function import lambda_handler, prebuild_clients, resolver
from public_api.routers import inquiries

app = resolver()
app.include_router(inquiries.router, prefix="/v1/listings")
prebuild_clients()
handler = lambda_handler(app)
startup.finished()
