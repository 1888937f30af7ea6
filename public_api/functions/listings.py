"""Search, feed, neighbourhoods, listing detail and the health check: ``public_api.functions.listings.handler``; its routes are
those of ``public_api.routes`` naming this function."""

from __future__ import annotations

from public_api import startup  # first: the init below runs with garbage collection paused
from public_api.function import function_handler
from public_api.search_index import warm as load_search_index

handler = function_handler("listings")
load_search_index()  # the index in memory before the first request (SnapStart snapshots it)
startup.finished()
