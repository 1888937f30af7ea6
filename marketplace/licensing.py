"""Licensed deals: which listings need a licensed agency, and what state an agency's licence is in.

Nepal's Land Revenue Regulations, as amended in 2082 B.S., make a licence from the Department of Land
Management mandatory for real-estate businesses, and deals above Rs 3 crore in metropolitan and
sub-metropolitan cities must go through a licensed company. The amount and the classes of municipality
are configuration (``Settings.licensed_deal_threshold_npr``, ``Settings.licensed_deal_scope``); where a
neighbourhood lies is ``marketplace.neighbourhoods``. Pure: no reads, no writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from marketplace.config import settings
from marketplace.formatting import local
from marketplace.neighbourhoods import neighbourhood

# An agency hears this long before its licence ends (and the back office shows it as expiring).
EXPIRY_WARNING = timedelta(days=30)
REGULATION = "Land Revenue Regulations (amended 2082)"


class LicenceClass(StrEnum):
    """The Department of Land Management's classes of real-estate business licence."""

    COMPANY = "company"  # a registered company (needed for deals above the threshold)
    FIRM = "firm"  # a proprietorship or partnership firm
    INDIVIDUAL = "individual"  # an individual broker


LICENCE_CLASS_NAMES = {LicenceClass.COMPANY: "Company", LicenceClass.FIRM: "Firm", LicenceClass.INDIVIDUAL: "Individual"}


class Verification(StrEnum):
    """What an admin found when checking the agency against the Department's published list."""

    UNVERIFIED = "unverified"  # recorded (or renewed) and not yet checked
    VERIFIED = "verified"  # on the published list with this number, class and expiry
    REVOKED = "revoked"  # not on the list, struck off or suspended


class LicenceStatus(StrEnum):
    NONE = "none"  # the broker belongs to no agency
    UNVERIFIED = "unverified"
    VALID = "valid"
    EXPIRING = "expiring"  # valid, ending within EXPIRY_WARNING
    EXPIRED = "expired"
    REVOKED = "revoked"


VALID = frozenset({LicenceStatus.VALID, LicenceStatus.EXPIRING})
LABELS = {
    LicenceStatus.NONE: "no licensed agency", LicenceStatus.UNVERIFIED: "licence not yet verified",
    LicenceStatus.VALID: "licence verified", LicenceStatus.EXPIRING: "licence expiring soon",
    LicenceStatus.EXPIRED: "licence expired", LicenceStatus.REVOKED: "licence revoked",
}


def today(moment: datetime) -> date:
    """The date in Kathmandu: licences end at the end of a Nepali day."""
    return local(moment).date()


def licence_status(*, verification: str, expires_on: date | None, moment: datetime) -> LicenceStatus:
    """An agency's licence at ``moment``: valid through its expiry date (Kathmandu time), once verified."""
    if verification == Verification.REVOKED:
        return LicenceStatus.REVOKED
    if expires_on is None or expires_on < today(moment):
        return LicenceStatus.EXPIRED
    if verification != Verification.VERIFIED:
        return LicenceStatus.UNVERIFIED
    if expires_on - today(moment) < EXPIRY_WARNING:
        return LicenceStatus.EXPIRING
    return LicenceStatus.VALID


@dataclass(frozen=True)
class Licence:
    """The licence a listing's broker acts under, as the approval guard and the pages read it."""

    status: LicenceStatus
    agency_id: str | None = None
    agency_name: str = ""
    licence_number: str = ""
    expires_on: date | None = None

    @property
    def valid(self) -> bool:
        return self.status in VALID

    @property
    def expiring(self) -> bool:
        return self.status == LicenceStatus.EXPIRING

    @property
    def label(self) -> str:
        return LABELS[self.status]


NO_LICENCE = Licence(status=LicenceStatus.NONE)


def requires_licence(*, price: int | None, price_on_request: bool, purpose: str, neighborhood: str) -> bool:
    """Whether a deal in this listing must go through a licensed agency: priced above the threshold (a sale
    whose price is on request may be, so it counts) in a municipality of the configured classes."""
    place = neighbourhood(neighborhood)
    rules = settings()
    if place is None or place.municipality_class.value not in rules.licensed_deal_scope:
        return False
    if price_on_request or price is None:
        return purpose == "sale"
    return int(price) > rules.licensed_deal_threshold_npr


def held_past_its_date(listing, licence: Licence, *, at: datetime) -> bool:
    """A coming-soon listing whose public date has come while the licensed-deal rule holds it (its agency's
    licence ended by the calendar, with no event to hold it at once): the clock withdraws it at its next tick
    (``hold_unlicensed``); until then a read that has the broker's licence already treats it as not public."""
    return (listing.status == "coming_soon" and listing.public_at is not None and listing.public_at <= at
            and not licence.valid and listing_requires_licence(listing))


def listing_requires_licence(listing) -> bool:
    """``requires_licence`` asked of a listing's own price, purpose and place."""
    return requires_licence(price=listing.price, price_on_request=listing.price_on_request, purpose=listing.purpose,
                            neighborhood=listing.neighborhood)


def refusal(licence: Licence, *, neighborhood: str) -> str:
    """Why a listing needing a licence cannot be approved (for the admin, and the broker in the audit)."""
    place = neighbourhood(neighborhood)
    where = place.municipality_name if place else neighborhood
    amount = f"Rs {settings().licensed_deal_threshold_npr / 10_000_000:g} crore"
    if licence.status == LicenceStatus.NONE:
        why = "the broker belongs to no agency"
    else:
        why = f"{licence.agency_name}'s {licence.label}"
        if licence.status == LicenceStatus.EXPIRED and licence.expires_on:
            why += f" on {licence.expires_on.isoformat()}"
    return (f"a listing above {amount} in {where} needs an agency with a valid licence ({REGULATION}): "
            f"{why}")
