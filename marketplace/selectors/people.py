"""People reads: profiles with their subscription (one Query), directories, expiring subscriptions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

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


def _people_condition(key: str, group: str):
    condition = UserProfile.name_key.contains(key) if key else None
    if group:
        in_group = UserProfile.groups.contains(group)
        condition = in_group if condition is None else condition & in_group
    return condition


def users_search(*, text: str = "", group: str = "", descending: bool = False, limit: int = 50,
                 cursor: str | None = None) -> Page[UserProfile]:
    """People in email order (``descending``: Z to A) whose name or email contains ``text``, whatever its
    case and accents, in ``group`` if given: a FilterExpression on the stored ``name_key`` (and the
    groups) over the ``USERS`` collection (each page reads on until it holds ``limit`` people or the
    collection ends)."""
    key = search_key(text)
    scope = scope_of(UserProfile.by_email, key, group, descending)
    result = UserProfile.by_email(filter_condition=_people_condition(key, group), scan_index_forward=not descending,
                                  limit=limit, page_size=limit, last_evaluated_key=decode_cursor(cursor, scope=scope))
    return page_of(result, scope=scope)


def users_count(*, text: str = "", group: str = "") -> int:
    """How many people ``users_search`` finds, exactly: one COUNT Query over the same collection and filter."""
    return UserProfile.count_all(filter_condition=_people_condition(search_key(text), group))


def people_names(*, user_ids) -> dict[str, str]:
    """{user_id: their name, else their email}: how a page names people (one BatchGetItem of the profiles)."""
    keys = [UserProfile.key(i) for i in dict.fromkeys(user_ids)]
    return {p.user_id: p.name or p.email for p in UserProfile.batch_get(keys)} if keys else {}


def brokers_list(*, limit: int = 100, cursor: str | None = None) -> Page[BrokerProfile]:
    scope = scope_of(BrokerProfile.directory)
    return page_of(BrokerProfile.directory(limit=limit, last_evaluated_key=decode_cursor(cursor, scope=scope)),
                   scope=scope)


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
