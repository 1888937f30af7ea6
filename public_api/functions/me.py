"""The signed-in buyer: profile and favorites: ``public_api.functions.me.handler``; its routes are
those of ``public_api.routes`` naming this function."""

from __future__ import annotations

from public_api import startup  # first: the init below runs with garbage collection paused
from public_api.function import function_handler

handler = function_handler("me")
startup.finished()
