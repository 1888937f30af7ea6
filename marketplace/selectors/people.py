"""People reads: profiles with their subscription (one Query), directories, expiring subscriptions."""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import reduce

from marketplace.entitlements import Entitlements, entitlements_of
from marketplace.licensing import NO_LICENCE, Licence
from marketplace.models import BrokerProfile, DeliveryPreferences, Seller, Subscription, UserProfile
from marketplace.pagination import Page, decode_cursor, page_of, scope_of
from marketplace.search_keys import search_key
from marketplace.selectors.agencies import agency_licences


def profile_and_subscription(*, user_id: str) -> tuple[UserProfile | None, Subscription | None]:
    """The profile and subscription share a partition: one Query."""
    profile, subscription, _ = person(user_id=user_id)
    return profile, subscription


def person(*, user_id: str) -> tuple[UserProfile | None, Subscription | None, DeliveryPreferences]:
    """Profile, subscription and delivery preferences (the defaults when never chosen): one Query."""
    found: dict[type, object] = {}
    for item in UserProfile.with_subscription(user_id):
        found[type(item)] = item
    return (found.get(UserProfile), found.get(Subscription),
            found.get(DeliveryPreferences) or DeliveryPreferences(user_id=user_id))


def entitlements_for(*, user_id: str | None) -> Entitlements:
    if not user_id:
        return entitlements_of(None)
    return entitlements_of(Subscription.get_or_none(user_id))


def _in_group(group: str):
    return UserProfile.groups.contains(group) if group else None


def _by_email(text: str) -> bool:
    """A search with an "@" is an email's start (gsi5 ``USERS``); any other, a name's start (gsi3 ``PEOPLE``)."""
    return "@" in text


def users_search(*, text: str = "", group: str = "", by: str = "name", descending: bool = False, limit: int = 50,
                 cursor: str | None = None) -> Page[UserProfile]:
    """People whose name starts with ``text`` (whatever its case and accents: the name's search key is the
    index's sort key), or whose email does when ``text`` holds an "@", in ``group`` if given. A search lists
    in its own key's order (name, or email); without one, in name order or, ``by="email"``, email order;
    ``descending``: Z to A. Without a group, one Query page of the index (a key condition, never a
    filter); a group is a FilterExpression on ``groups`` (the page reads on until it holds ``limit``)."""
    prefix = text.strip()
    emails = _by_email(prefix) or (not prefix and by == "email")
    pattern = UserProfile.by_email if emails else UserProfile.by_name
    scope = scope_of(pattern, search_key(prefix), group, descending)
    result = pattern(prefix, filter_condition=_in_group(group), scan_index_forward=not descending,
                     limit=limit, page_size=limit, last_evaluated_key=decode_cursor(cursor, scope=scope))
    return page_of(result, scope=scope)


def users_count(*, text: str = "", group: str = "") -> int:
    """How many people ``users_search`` finds, exactly: one COUNT Query over the same index, key condition
    and filter."""
    prefix = text.strip()
    if _by_email(prefix):
        return UserProfile.count_all(prefix, filter_condition=_in_group(group))
    return UserProfile.count_by_name(prefix, filter_condition=_in_group(group))


def people_names(*, user_ids) -> dict[str, str]:
    """{user_id: their name, else their email}: how a page names people (one BatchGetItem of the profiles)."""
    keys = [UserProfile.key(i) for i in dict.fromkeys(user_ids)]
    return {p.user_id: p.name or p.email for p in UserProfile.batch_get(keys)} if keys else {}


def brokers_list(*, limit: int = 100, cursor: str | None = None) -> Page[BrokerProfile]:
    scope = scope_of(BrokerProfile.directory)
    return page_of(BrokerProfile.directory(limit=limit, last_evaluated_key=decode_cursor(cursor, scope=scope)),
                   scope=scope)


NO_AGENCY = "none"  # the brokers list's agency filter: brokers in no agency


def _broker_condition(*, text: str, verified: bool | None, agency_id: str):
    conditions = []
    if text:
        conditions.append(BrokerProfile.name_key.contains(search_key(text)))
    if verified is not None:
        conditions.append(BrokerProfile.verified == verified)
    if agency_id == NO_AGENCY:
        conditions.append(BrokerProfile.agency_id.does_not_exist())
    elif agency_id:
        conditions.append(BrokerProfile.agency_id == agency_id)
    return reduce(operator.and_, conditions) if conditions else None


def brokers_search(*, text: str = "", verified: bool | None = None, agency_id: str = "") -> list[BrokerProfile]:
    """The broker directory as the admins' list asks for it, read whole in name order: one Query of gsi5
    ``BROKERS`` (a 1 MB page holds about 2,000 profiles; past that, one call more per 1 MB) filtered on
    the name's search key (name or licence number containing ``text``, whatever its case and accents),
    the verification and the agency (``NO_AGENCY``: none). The list sorts, counts and pages what it gets,
    so its calls stay the same whatever is asked and whichever page is shown."""
    return list(BrokerProfile.directory(
        filter_condition=_broker_condition(text=text.strip(), verified=verified, agency_id=agency_id)))


@dataclass(frozen=True)
class BrokerCard:
    """What a listing shows of its broker. Read from the broker's profile whenever a listing is shown,
    never copied onto listings: a verification (or its withdrawal) shows at once everywhere."""

    broker_id: str
    name: str = ""  # empty while the broker has no profile
    company: str = ""
    verified: bool = False
    licence_number: str = ""  # the broker's own (RESO MemberStateLicense)
    agency_id: str | None = None
    # The agency's licence (RESO Office), read when asked for (``with_agencies``): valid, expiring, expired...
    agency: Licence = NO_LICENCE


BROKER_CARD_ATTRIBUTES = ["type", "broker_id", "name", "company", "verified", "licence_number", "agency_id"]


def broker_cards(*, broker_ids: Iterable[str], with_agencies: bool = False) -> dict[str, BrokerCard]:
    """The brokers of a page of listings: one BatchGetItem of the public attributes for up to 100
    distinct brokers (PynamoDB splits larger sets and retries unprocessed keys); ``with_agencies``, one more
    for their agencies' licences."""
    ids = sorted({broker_id for broker_id in broker_ids if broker_id})
    cards = {broker_id: BrokerCard(broker_id=broker_id) for broker_id in ids}
    if ids:
        for profile in BrokerProfile.batch_get([BrokerProfile.key(i) for i in ids],
                                               attributes_to_get=BROKER_CARD_ATTRIBUTES):
            cards[profile.broker_id] = BrokerCard(
                broker_id=profile.broker_id, name=profile.name, company=profile.company,
                verified=bool(profile.verified), licence_number=profile.licence_number or "",
                agency_id=profile.agency_id)
    if with_agencies:
        licences = agency_licences(agency_ids=(card.agency_id for card in cards.values()))
        cards = {broker_id: replace(card, agency=licences.get(card.agency_id, NO_LICENCE))
                 for broker_id, card in cards.items()}
    return cards


def sellers_list(*, limit: int = 100) -> list[Seller]:
    return list(Seller.directory(limit=limit))


def subscriptions_expiring(*, within: timedelta, at: datetime | None = None) -> list[Subscription]:
    """Subscriptions whose term ends between now and ``within`` from now, soonest first."""
    moment = at or datetime.now(UTC)
    return list(Subscription.expiring_between(moment, moment + within))
