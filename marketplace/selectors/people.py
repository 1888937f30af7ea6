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
    """A search with an "@" is an email's start (gsi5 ``USERS``); any other, a word of a name (gsi3 ``PEOPLE``)."""
    return "@" in text


# A name search filters the whole PEOPLE partition: DynamoDB's Limit counts the items read, not those that
# match, so each request reads up to 1 MB (thousands of people) and the page stops at ``limit`` matches.
_WHOLE_MB = 10_000


def _people_query(text: str, group: str) -> tuple:
    """The access pattern, its filter and its page size for a search (see ``users_search``)."""
    if _by_email(text):
        return UserProfile.by_email, (text,), _in_group(group)
    conditions = [c for c in (UserProfile.named(text), _in_group(group)) if c is not None]
    return UserProfile.by_name, (), reduce(operator.and_, conditions) if conditions else None


def users_search(*, text: str = "", group: str = "", by: str = "name", descending: bool = False, limit: int = 50,
                 cursor: str | None = None) -> Page[UserProfile]:
    """People with a word of their name starting with ``text`` (whatever its case and accents: the name's
    search key, ``UserProfile.named``), or whose email starts with it when ``text`` holds an "@", in
    ``group`` if given. A search lists in its own key's order (name, or email); without one, in name order
    or, ``by="email"``, email order; ``descending``: Z to A. A name search or a group is a FilterExpression
    over one partition read 1 MB per request (one Query for thousands of people, however sparse the
    matches); an email search is a key condition; the plain list reads exactly ``limit`` per page."""
    text = text.strip()
    pattern, arguments, condition = _people_query(text, group)
    if not text and by == "email":
        pattern = UserProfile.by_email
    scope = scope_of(pattern, search_key(text), group, descending)
    result = pattern(*arguments, filter_condition=condition, scan_index_forward=not descending, limit=limit,
                     page_size=_WHOLE_MB if condition is not None else limit,
                     last_evaluated_key=decode_cursor(cursor, scope=scope))
    return page_of(result, scope=scope)


def users_count(*, text: str = "", group: str = "") -> int:
    """How many people ``users_search`` finds, exactly: one COUNT Query over the same index, key condition
    and filter."""
    text = text.strip()
    _, arguments, condition = _people_query(text, group)
    count = UserProfile.count_all if _by_email(text) else UserProfile.count_by_name
    return count(*arguments, filter_condition=condition)


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
