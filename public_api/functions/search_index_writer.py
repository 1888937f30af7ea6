"""The search index's one writer (the consumer of the "search-index" queue):
``public_api.functions.search_index_writer.handler``.

The writer is the domain's (``marketplace.search_index.writer``); the cards it stores are the API's: each
listing's card as buyers see it (``presenters.stored_card``, presented once per write, so a page splices
stored JSON instead of presenting cards) and their fingerprint (``presenters.stored_card_schema``). This
module composes the two, so the domain never imports the API; this function's package carries the API's
dependencies (pydantic) for it. Not a route function: no resolver and no ``public_api.startup`` (it has no
cursor secret).
"""

from __future__ import annotations

from marketplace.search_index.writer import CardPresenter, handler_for
from public_api.presenters import stored_card, stored_card_schema

# What the index stores as cards, wherever it is written: this function, the local worker, the runbook's rebuild.
CARDS = CardPresenter(present=stored_card, fingerprint=stored_card_schema)

_handle = handler_for(CARDS)


def handler(event: dict, context=None) -> dict:
    """Lambda entry point: one SQS batch of the search-index queue (``writer.handler_for``)."""
    return _handle(event, context)
