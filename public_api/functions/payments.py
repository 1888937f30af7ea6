"""Paid plans: ordering and the providers' returns: ``public_api.functions.payments.handler``; its routes
are those of ``public_api.routes`` naming this function. In production its init refuses to finish while
a provider key or eSewa's product code is still a placeholder (``marketplace.payments.providers``)."""

from __future__ import annotations  # noqa: I001 - startup is imported first

from public_api import startup  # first: the init below runs with garbage collection paused
from marketplace.payments.providers import refuse_placeholders_at_init
from public_api.function import function_handler

handler = function_handler("payments")
refuse_placeholders_at_init()  # live payments never start on a placeholder key or test code
startup.finished()
