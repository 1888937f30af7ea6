"""A licence that stops being valid by an admin's change holds its brokers' coming-soon listings at once
(the clock's ``hold_unlicensed`` step, the broker told), not at the clock's next tick after their date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marketplace import outbox
from marketplace.entitlements import ANONYMOUS, can_see
from marketplace.licensing import Verification
from marketplace.lifecycle import Action, Status
from marketplace.models import Agency, AuditEntry
from marketplace.selectors.listings import listing_get
from marketplace.services import agencies
from marketplace.services.listings import listings_hold_unlicensed
from tests.shared.agencies import licensed_agency, valid_until
from tests.shared.lifecycle import listing_act
from tests.shared.listings import make_listing

IN_SCOPE = {"neighborhood": "sanepa", "price": "4.5 crore"}  # Lalitpur Metropolitan City, above Rs 3 crore


def _coming_soon(broker, admin, *, public_in: timedelta, **fields):
    """A listing approved as coming soon, its public date ``public_in`` from now (negative: the date came and
    the clock has not run since, so reads show it as public)."""
    approved_at = datetime.now(UTC) + min(public_in, timedelta()) - timedelta(hours=1)
    listing = make_listing(broker, status=Status.PENDING_REVIEW, **(fields or IN_SCOPE))
    return listing_act(actor=admin, listing_id=listing.listing_id, action=Action.APPROVE_COMING_SOON,
                       public_at=datetime.now(UTC) + public_in, at=approved_at)


def _status(listing) -> str:
    return listing_get(listing_id=listing.listing_id, consistent=True).status


def _held_told(listing_ids) -> set[str]:
    """The listings whose broker the outbox tells of a hold (``ListingHeld``)."""
    told = [record.detail for record in outbox.pending(limit=1000) if record.detail_type == "ListingHeld"]
    return {listing_id for listing_id in listing_ids for detail in told if listing_id in detail}


def _holds(listing) -> list[AuditEntry]:
    return [e for e in AuditEntry.query(f"AUDIT#listing#{listing.listing_id}") if e.action == "hold_unlicensed"]


def test_a_revoked_licence_holds_its_brokers_coming_soon_listings_at_once(table, broker, other_broker, admin):
    # Given an agency's broker with a coming-soon listing past its date (shown as public until the clock runs),
    # one due next week, and one below the threshold; and another agency's broker with one past its date
    agency = licensed_agency(broker, admin=admin)
    past = _coming_soon(broker, admin, public_in=-timedelta(minutes=2))
    assert can_see(listing_get(listing_id=past.listing_id, consistent=True), ANONYMOUS)
    later = _coming_soon(broker, admin, public_in=timedelta(days=7))
    modest = _coming_soon(broker, admin, public_in=-timedelta(minutes=2), neighborhood="sanepa", price="2 crore")
    licensed_agency(other_broker, admin=admin, name="Everest Homes Pvt Ltd")
    elsewhere = _coming_soon(other_broker, admin, public_in=-timedelta(minutes=2))

    # When an admin revokes the licence (struck off the list)
    agency = Agency.get_or_not_found(agency.agency_id, consistent=True)
    agencies.agency_verify(actor=admin, agency_id=agency.agency_id, decision=Verification.REVOKED,
                           note="struck off the DLM list of 2082-08-01", expected_version=agency.version)

    # Then both of its broker's listings above the threshold are withdrawn at once, never public again, the
    # refusal their note, the broker told; the others are untouched
    for listing in (past, later):
        held = listing_get(listing_id=listing.listing_id, consistent=True)
        assert held.status == Status.WITHDRAWN and "revoked" in held.change_note
        assert not can_see(held, ANONYMOUS)
        [entry] = _holds(listing)
        assert entry.actor_id == "system"
    assert _held_told([past.listing_id, later.listing_id, modest.listing_id, elsewhere.listing_id]) == {
        past.listing_id, later.listing_id}
    assert _status(modest) == Status.COMING_SOON and _status(elsewhere) == Status.COMING_SOON
    # and holding again (another revocation, a sweep) changes nothing and tells no one twice
    assert listings_hold_unlicensed(broker_ids=[broker.user_id, other_broker.user_id]) == []
    assert len(_holds(past)) == 1


def test_a_broker_taken_out_of_their_agency_has_their_coming_soon_listings_held_at_once(table, broker, admin):
    # Given a broker of a licensed agency with a coming-soon listing above the threshold
    licensed_agency(broker, admin=admin)
    soon = _coming_soon(broker, admin, public_in=timedelta(days=2))

    # When an admin takes them out of the agency
    agencies.broker_agency_set(actor=admin, broker_id=broker.user_id, agency_id=None)

    # Then the listing is withdrawn at once, its note saying the broker belongs to no agency, and they are told
    held = listing_get(listing_id=soon.listing_id, consistent=True)
    assert held.status == Status.WITHDRAWN and "no agency" in held.change_note
    assert _held_told([soon.listing_id]) == {soon.listing_id}


def test_a_renewal_awaiting_verification_holds_only_the_listings_whose_date_came(table, broker, admin):
    # Given a broker's coming-soon listing past its date (the clock has not run since) and one due next week
    agency = licensed_agency(broker, admin=admin)
    past = _coming_soon(broker, admin, public_in=-timedelta(minutes=2))
    later = _coming_soon(broker, admin, public_in=timedelta(days=7))

    # When an admin records the agency's renewal (unverified until checked against the list again)
    agency = Agency.get_or_not_found(agency.agency_id, consistent=True)
    agencies.agency_renew(actor=admin, agency_id=agency.agency_id, licence_expires_on=valid_until(730),
                          evidence="renewal certificate 2083-041", expected_version=agency.version)

    # Then the one shown as public is held now; the other waits for its date (the renewal is usually verified
    # by then, and the clock asks the rule again on that date)
    assert _status(past) == Status.WITHDRAWN and "not yet verified" in listing_get(
        listing_id=past.listing_id, consistent=True).change_note
    assert _status(later) == Status.COMING_SOON
