"""Listing documents for buyers: ``public_api.functions.documents.handler``; its routes are those of
``public_api.routes`` naming this function."""

from __future__ import annotations

from public_api import startup  # first: the init below runs with garbage collection paused
from public_api.function import function_handler

handler = function_handler("documents")
startup.finished()
