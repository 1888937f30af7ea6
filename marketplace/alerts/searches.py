"""Saved searches: a listings-search query (validated by the search's own code), a name and a frequency.

Each search is stored with its criteria (the validated search, what matching runs) and the query as the
buyer gave it (what the API shows back). Its entries in the match index (``SearchMatchEntry``: one per
neighbourhood it names, or one for any) are written in the same transaction, so matching never sees a
search without its entries or entries of a deleted search.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from marketplace import db
from marketplace.actors import Actor
from marketplace.errors import ValidationError
from marketplace.ids import new_id
from marketplace.models import SavedSearch, SearchMatchEntry
from marketplace.search_index.query import IndexSearch
from marketplace.selectors.search import ListingFilters

MAX_SAVED_SEARCHES = 20  # per buyer: enough for every neighbourhood they care about, not a scraper's list
MAX_NAME = 80


class Frequency(StrEnum):
    INSTANT = "instant"
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"


DIGESTS = (Frequency.DAILY, Frequency.WEEKLY)


def criteria_of(request: IndexSearch) -> str:
    """The search as matching runs it (no order, no facets), as JSON."""
    return json.dumps({"filters": asdict(request.filters), "q": request.q, "bbox": request.bbox},
                      default=str, sort_keys=True)


def search_of(criteria: str) -> IndexSearch:
    data = json.loads(criteria)
    f = data["filters"]
    decimal = {name: Decimal(f[name]) if f.get(name) is not None else None for name in ("min_land_sqft", "min_road_ft")}
    filters = ListingFilters(
        neighborhoods=tuple(f.get("neighborhoods") or ()), min_price=f.get("min_price"), max_price=f.get("max_price"),
        property_type=f.get("property_type"), purpose=f.get("purpose"), min_bedrooms=f.get("min_bedrooms"),
        facing=f.get("facing"), premium=f.get("premium"), near=tuple(f["near"]) if f.get("near") else None,
        radius_km=f.get("radius_km"), **decimal)
    return IndexSearch(filters=filters, q=data.get("q"), bbox=tuple(data["bbox"]) if data.get("bbox") else None)


def _name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationError("needs a name, e.g. 'Sanepa houses under 5 crore'", field="name")
    if len(cleaned) > MAX_NAME:
        raise ValidationError(f"must be at most {MAX_NAME} characters", field="name")
    return cleaned


def _frequency(frequency: str) -> str:
    try:
        return Frequency(frequency).value
    except ValueError:
        raise ValidationError(f"must be one of: {', '.join(Frequency)}", field="frequency") from None


def match_entries(search: SavedSearch) -> list[SearchMatchEntry]:
    """The search's entries in the match index: none while it is off."""
    if search.frequency == Frequency.OFF:
        return []
    request = search_of(search.criteria)
    f = request.filters
    entries = []
    for neighbourhood in f.neighborhoods or (None,):
        entry = SearchMatchEntry(search_id=search.search_id, user_id=search.user_id, criteria=search.criteria,
                                 frequency=search.frequency, min_price=f.min_price, max_price=f.max_price)
        entry.pk, entry.sk = SearchMatchEntry.key(neighbourhood, f.property_type, search.search_id)
        entries.append(entry)
    return entries


def _write(search: SavedSearch, *, before: list[SearchMatchEntry], create: bool) -> SavedSearch:
    after = match_entries(search)
    kept = {(e.pk, e.sk) for e in after}
    with db.transaction(conflict_message="the saved search changed meanwhile: read it again",
                        conflict_field="search_id") as tx:
        if create:
            tx.create(search)
        else:
            tx.save(search)
        for entry in before:
            if (entry.pk, entry.sk) not in kept:
                tx.delete(entry)
        for entry in after:
            tx.save(entry)
    return search


def saved_search_create(*, actor: Actor, name: str, query: dict, request: IndexSearch,
                        frequency: str = Frequency.DAILY) -> SavedSearch:
    """Save a search (``request`` is ``query`` as the listings search validated it). Refused past
    ``MAX_SAVED_SEARCHES``."""
    name, frequency = _name(name), _frequency(frequency)
    count = sum(1 for _ in SavedSearch.of_user(actor.user_id, attributes_to_get=["pk", "sk", "type"]))
    if count >= MAX_SAVED_SEARCHES:
        raise ValidationError(f"you have {MAX_SAVED_SEARCHES} saved searches, the most we keep: delete one first",
                              field="name")
    search = SavedSearch(user_id=actor.user_id, search_id=new_id(), name=name, frequency=frequency,
                         parameters=json.dumps(query, sort_keys=True), criteria=criteria_of(request))
    return _write(search, before=[], create=True)


def saved_search_update(*, actor: Actor, search_id: str, name: str | None = None, frequency: str | None = None,
                        query: dict | None = None, request: IndexSearch | None = None) -> SavedSearch:
    """Change what is given; the match index follows in the same transaction."""
    search = SavedSearch.get_or_not_found(actor.user_id, search_id, consistent=True)
    before = match_entries(search)
    if name is not None:
        search.name = _name(name)
    if frequency is not None:
        search.frequency = _frequency(frequency)
    if query is not None and request is not None:
        search.parameters, search.criteria = json.dumps(query, sort_keys=True), criteria_of(request)
    search.updated_at = datetime.now(UTC)
    return _write(search, before=before, create=False)


def saved_search_delete(*, actor: Actor, search_id: str) -> bool:
    """Delete the search and its match entries; False when there was none (idempotent)."""
    search = SavedSearch.get_or_none(actor.user_id, search_id, consistent=True)
    if search is None:
        return False
    with db.transaction() as tx:
        tx.delete(search)
        for entry in match_entries(search):
            tx.delete(entry)
    return True


def saved_searches_of(*, user_id: str) -> list[SavedSearch]:
    """A buyer's saved searches, oldest first: one Query (at most ``MAX_SAVED_SEARCHES``)."""
    return list(SavedSearch.of_user(user_id))
