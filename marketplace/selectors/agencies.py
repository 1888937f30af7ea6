"""Agency reads: the admin's list by licence expiry, one agency with its brokers, and the licence a broker
(or a page of brokers) acts under."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from marketplace.licensing import NO_LICENCE, Licence, licence_status
from marketplace.models import Agency, BrokerProfile
from marketplace.pagination import Page, decode_cursor, page_of, scope_of
from marketplace.search_keys import search_key

AGENCY_CARD_ATTRIBUTES = ["type", "agency_id", "name", "licence_number", "licence_expires_on", "verification"]


def agencies_list(*, limit: int = 100, cursor: str | None = None) -> Page[Agency]:
    """Every agency, the licence ending soonest first."""
    scope = scope_of(Agency.by_expiry)
    return page_of(Agency.by_expiry(limit=limit, last_evaluated_key=decode_cursor(cursor, scope=scope)), scope=scope)


def agencies_search(*, text: str = "") -> list[Agency]:
    """Every agency (those whose name or licence number contains ``text``, whatever its case and accents),
    read whole by licence expiry: one Query of gsi5 ``AGENCIES`` (a 1 MB page holds well over 1,000). The
    admins' list filters them by licence status (it depends on the day, so no key holds it), sorts, counts
    and pages them itself: its calls stay the same whatever is asked."""
    condition = Agency.name_key.contains(search_key(text)) if text.strip() else None
    return list(Agency.by_expiry(filter_condition=condition))


def agency_with_brokers(*, agency_id: str) -> tuple[Agency, list[BrokerProfile]]:
    """The agency (one GetItem) and its brokers (the keys from gsi6, then one BatchGetItem)."""
    agency = Agency.get_or_not_found(agency_id)
    keys = [(item.pk, item.sk) for item in BrokerProfile.of_agency(agency_id)]
    brokers = sorted(BrokerProfile.batch_get(keys), key=lambda b: b.name.lower()) if keys else []
    return agency, brokers


def licence_of(agency: Agency | None, *, at: datetime | None = None) -> Licence:
    if agency is None:
        return NO_LICENCE
    return Licence(status=licence_status(verification=agency.verification, expires_on=agency.expires_on,
                                         moment=at or datetime.now(UTC)),
                   agency_id=agency.agency_id, agency_name=agency.name, licence_number=agency.licence_number,
                   expires_on=agency.expires_on)


def licence_of_broker(*, broker_id: str, at: datetime | None = None) -> Licence:
    """The licence a broker acts under: their profile, then their agency (two GetItems, strongly consistent:
    an approval must not pass on a licence revoked a moment ago)."""
    profile = BrokerProfile.get_or_none(broker_id, consistent=True)
    if profile is None or not profile.agency_id:
        return NO_LICENCE
    return licence_of(Agency.get_or_none(profile.agency_id, consistent=True), at=at)


def agency_licences(*, agency_ids: Iterable[str], at: datetime | None = None) -> dict[str, Licence]:
    """The licences of a page's agencies: one BatchGetItem of the attributes a card shows."""
    ids = sorted({agency_id for agency_id in agency_ids if agency_id})
    found = {agency.agency_id: agency for agency in
             Agency.batch_get([Agency.key(i) for i in ids], attributes_to_get=AGENCY_CARD_ATTRIBUTES)} if ids else {}
    return {agency_id: licence_of(found.get(agency_id), at=at) for agency_id in ids}
