"""Saved searches: a listings-search query (validated by the search's own code), a name and a frequency.

Each search is stored with its criteria (the validated search, what matching runs) and the query as the
buyer gave it (what the API shows back). Its entries in the match index (``SearchMatchEntry``: one per
neighbourhood it names, or one for any) are written in the same transaction, so matching never sees a
search without its entries or entries of a deleted search. So is the buyer's count of searches
(``SavedSearchTally``), conditioned on staying within the cap: two saves at once cannot both take the
last place.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from marketplace import db
from marketplace.actors import Actor
from marketplace.audit import audit_entry
from marketplace.errors import Conflict, PermissionDenied, ValidationError
from marketplace.ids import new_id
from marketplace.models import AuditEntry, SavedSearch, SavedSearchTally, SearchMatchEntry
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


CAP_MESSAGE = f"you have {MAX_SAVED_SEARCHES} saved searches, the most we keep: delete one first"


def _write(search: SavedSearch, *, before: list[SearchMatchEntry], create: bool,
           tally: tuple[SavedSearchTally, list, object] | None = None, audit: AuditEntry | None = None) -> SavedSearch:
    """The search and its match entries in one transaction; with ``tally`` (the counter, its update
    actions and condition) the count too: a failed count condition is the cap (``ConditionFailed``);
    with ``audit``, an admin's change's entry."""
    after = match_entries(search)
    kept = {(e.pk, e.sk) for e in after}
    with db.transaction(conflict_message=None) as tx:
        if create:
            tx.create(search)
        else:
            tx.save(search)
        for entry in before:
            if (entry.pk, entry.sk) not in kept:
                tx.delete(entry)
        for entry in after:
            tx.save(entry)
        if tally is not None:
            tx.update(tally[0], actions=tally[1], condition=tally[2])
        if audit is not None:
            tx.save(audit)
    return search


def _tally_change(user_id: str) -> tuple[SavedSearchTally, list, object]:
    """The counter's +1 on the condition that it stays within the cap. A buyer without a counter (searches
    saved before it existed) gets one holding their searches counted now, written only if it still does
    not exist (a concurrent first save loses and tries again against the counter the other wrote)."""
    tally = SavedSearchTally(user_id=user_id)
    tally.derive_keys()
    stored = SavedSearchTally.get_or_none(user_id, consistent=True)
    if stored is not None:
        if stored.saved >= MAX_SAVED_SEARCHES:
            raise ValidationError(CAP_MESSAGE, field="name")
        return tally, [SavedSearchTally.saved.add(1)], SavedSearchTally.saved < MAX_SAVED_SEARCHES
    count = sum(1 for _ in SavedSearch.of_user(user_id, attributes_to_get=["pk", "sk", "type"], consistent_read=True))
    if count >= MAX_SAVED_SEARCHES:
        raise ValidationError(CAP_MESSAGE, field="name")
    actions = [SavedSearchTally.saved.set(count + 1), SavedSearchTally.user_id.set(user_id),
               SavedSearchTally.type.set(SavedSearchTally)]
    return tally, actions, SavedSearchTally.pk.does_not_exist()


def saved_search_create(*, actor: Actor, name: str, query: dict, request: IndexSearch,
                        frequency: str = Frequency.DAILY) -> SavedSearch:
    """Save a search (``request`` is ``query`` as the listings search validated it). Refused past
    ``MAX_SAVED_SEARCHES``, however many saves arrive at once (the counter's condition)."""
    name, frequency = _name(name), _frequency(frequency)
    for _ in range(2):  # the counter changed meanwhile: read it again (at the cap, that read refuses)
        tally = _tally_change(actor.user_id)
        search = SavedSearch(user_id=actor.user_id, search_id=new_id(), name=name, frequency=frequency,
                             parameters=json.dumps(query, sort_keys=True), criteria=criteria_of(request))
        try:
            return _write(search, before=[], create=True, tally=tally)
        except db.ConditionFailed as failed:
            if failed.item is not tally[0]:
                raise Conflict("the saved search changed meanwhile: read it again", field="search_id") from None
    raise ValidationError(CAP_MESSAGE, field="name")


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
    try:
        return _write(search, before=before, create=False)
    except db.ConditionFailed:
        raise Conflict("the saved search changed meanwhile: read it again", field="search_id") from None


def saved_search_switch_off(*, actor: Actor, user_id: str, search_id: str, expected_version: int,
                            note: str = "") -> SavedSearch:
    """An admin turns a buyer's saved search off (the buyer asked by phone, alerts gone wrong), at the
    version they read, audited; its match entries leave the index in the same transaction. Already off:
    nothing is written."""
    if not actor.is_admin:
        raise PermissionDenied("only admins change a buyer's saved searches")
    search = SavedSearch.get_or_not_found(user_id, search_id, consistent=True)
    db.check_version(search, expected_version, noun="saved search")
    if search.frequency == Frequency.OFF:
        return search
    before, previous = match_entries(search), search.frequency
    search.frequency, search.updated_at = Frequency.OFF.value, datetime.now(UTC)
    entry = audit_entry(actor=actor, entity_type="saved_search", entity_id=f"{user_id}#{search_id}",
                        action="switch_off", before={"frequency": previous}, after={"frequency": search.frequency},
                        reason=" ".join(note.split())[:300] or None)
    try:
        return _write(search, before=before, create=False, audit=entry)
    except db.ConditionFailed:
        raise Conflict(db.stale_message("saved search"), field="expected_version") from None


def saved_search_delete(*, actor: Actor, search_id: str) -> bool:
    """Delete the search and its match entries; False when there was none (idempotent)."""
    search = SavedSearch.get_or_none(actor.user_id, search_id, consistent=True)
    if search is None:
        return False
    with db.transaction() as tx:
        tx.delete(search)
        for entry in match_entries(search):
            tx.delete(entry)
        if SavedSearchTally.get_or_none(actor.user_id, consistent=True) is not None:  # none: counted at the next save
            tx.update(SavedSearchTally(*SavedSearchTally.key(actor.user_id)), actions=[SavedSearchTally.saved.add(-1)],
                      condition=SavedSearchTally.saved > 0)
    return True


def saved_searches_of(*, user_id: str) -> list[SavedSearch]:
    """A buyer's saved searches, oldest first: one Query (at most ``MAX_SAVED_SEARCHES``)."""
    return list(SavedSearch.of_user(user_id))
