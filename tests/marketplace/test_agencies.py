"""Licensed agencies: recorded and verified by admins, and the licensed-deal rule at approval (a listing
above the threshold in a metropolitan city needs its agency's valid licence)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace import outbox
from marketplace.config import reload_settings
from marketplace.entitlements import ANONYMOUS, can_see
from marketplace.errors import Conflict, IllegalTransition, PermissionDenied, ValidationError
from marketplace.licensing import LicenceStatus, Verification
from marketplace.lifecycle import Action, Status
from marketplace.models import AuditEntry
from marketplace.selectors.agencies import agencies_list, agency_with_brokers, licence_of_broker
from marketplace.selectors.listings import listing_get
from marketplace.services import agencies
from marketplace.services.listings import listing_publish_due, listing_update, listings_bulk_transition
from tests.shared.agencies import licensed_agency, valid_until
from tests.shared.lifecycle import listing_act
from tests.shared.listings import make_listing

IN_SCOPE = {"neighborhood": "sanepa", "price": "4.5 crore"}  # Lalitpur Metropolitan City


def _approve(admin, listing_id, action=Action.APPROVE, **more):
    return listing_act(actor=admin, listing_id=listing_id, action=action, **more)


def test_a_listing_above_the_threshold_needs_a_licensed_agency(table, broker, admin):
    # Given a listing above Rs 3 crore in Sanepa by a broker who belongs to no agency
    pending = make_listing(broker, status=Status.PENDING_REVIEW, **IN_SCOPE)
    # When the admin approves it, then it is refused naming the rule, and nothing changed
    with pytest.raises(IllegalTransition) as caught:
        _approve(admin, pending.listing_id)
    assert caught.value.field == "agency"
    assert "Lalitpur Metropolitan City" in caught.value.message and "no agency" in caught.value.message
    assert listing_get(listing_id=pending.listing_id, consistent=True).status == Status.PENDING_REVIEW


def test_a_valid_licence_lets_the_approval_through(table, broker, admin):
    licensed_agency(broker)
    pending = make_listing(broker, status=Status.PENDING_REVIEW, **IN_SCOPE)
    assert _approve(admin, pending.listing_id).status == Status.ACTIVE


@pytest.mark.parametrize("action", [Action.APPROVE, Action.APPROVE_COMING_SOON])
def test_an_expired_licence_holds_approvals_above_the_threshold(table, broker, admin, action):
    agency = licensed_agency(broker, expires_on=valid_until(-1))
    assert licence_of_broker(broker_id=broker.user_id).status == LicenceStatus.EXPIRED
    pending = make_listing(broker, status=Status.PENDING_REVIEW, **IN_SCOPE)
    more = {"public_at": datetime.now(UTC) + timedelta(days=3)} if action == Action.APPROVE_COMING_SOON else {}
    with pytest.raises(IllegalTransition) as caught:
        _approve(admin, pending.listing_id, action, **more)
    assert "licence expired" in caught.value.message and agency.name in caught.value.message


def test_unverified_and_revoked_licences_hold_approvals(table, broker, admin):
    agency = licensed_agency(broker, verified=False)
    pending = make_listing(broker, status=Status.PENDING_REVIEW, **IN_SCOPE)
    with pytest.raises(IllegalTransition, match="not yet verified"):
        _approve(admin, pending.listing_id)
    agencies.agency_verify(actor=admin, agency_id=agency.agency_id, decision=Verification.REVOKED,
                           note="struck off the DLM list of 2082-07-01", expected_version=agency.version)
    with pytest.raises(IllegalTransition, match="revoked"):
        _approve(admin, pending.listing_id)


@pytest.mark.parametrize("fields", [
    {"neighborhood": "sanepa", "price": "3 crore"},  # at the threshold, not above it
    {"neighborhood": "budhanilkantha", "price": "9 crore"},  # a municipality, not a metropolitan city
])
def test_listings_outside_the_rule_need_no_agency(table, broker, admin, fields):
    pending = make_listing(broker, status=Status.PENDING_REVIEW, **fields)
    assert _approve(admin, pending.listing_id).status == Status.ACTIVE


def test_the_threshold_and_the_scope_are_configuration(table, broker, admin, monkeypatch):
    pending = make_listing(broker, status=Status.PENDING_REVIEW, neighborhood="sanepa", price="2 crore")
    monkeypatch.setenv("SHIKHAR_LICENSED_DEAL_THRESHOLD", "15000000")
    reload_settings()
    try:
        with pytest.raises(IllegalTransition, match="Rs 1.5 crore"):
            _approve(admin, pending.listing_id)
        monkeypatch.setenv("SHIKHAR_LICENSED_DEAL_SCOPE", "sub_metropolitan")
        reload_settings()
        assert _approve(admin, pending.listing_id).status == Status.ACTIVE
    finally:
        monkeypatch.undo()
        reload_settings()


def test_a_sale_with_its_price_on_request_counts_as_above_the_threshold(table, broker, admin):
    pending = make_listing(broker, status=Status.PENDING_REVIEW, neighborhood="lazimpat", price_on_request=True,
                           price=None)
    with pytest.raises(IllegalTransition, match="Kathmandu Metropolitan City"):
        _approve(admin, pending.listing_id)


def test_only_admins_record_agencies_and_bad_input_names_its_field(table, broker, admin):
    with pytest.raises(PermissionDenied):
        agencies.agency_create(actor=broker, name="Mine", licence_number="DLM-1", licence_class="company",
                               licence_expires_on=valid_until(), evidence="certificate 1")
    with pytest.raises(ValidationError) as caught:
        agencies.agency_create(actor=admin, name="Himal", licence_number="x", licence_class="guild",
                               licence_expires_on=None, evidence=" ")
    assert set(caught.value.errors) == {"licence_number", "licence_class", "licence_expires_on", "evidence"}
    licensed_agency(licence_number="DLM-77")
    with pytest.raises(ValidationError) as duplicate:
        licensed_agency(name="Copy Realty", licence_number="dlm-77")
    assert duplicate.value.field == "licence_number"


def test_verification_is_audited_with_its_note_and_needs_the_version_read(table, broker, admin):
    agency = licensed_agency(broker, verified=False)
    with pytest.raises(ValidationError) as missing:
        agencies.agency_verify(actor=admin, agency_id=agency.agency_id, decision="verified", note=" ",
                               expected_version=agency.version)
    assert missing.value.field == "note"
    verified = agencies.agency_verify(actor=admin, agency_id=agency.agency_id, decision="verified",
                                      note="DLM list 2082-06-01 entry 12", expected_version=agency.version)
    with pytest.raises(Conflict):
        agencies.agency_verify(actor=admin, agency_id=agency.agency_id, decision="revoked", note="stale page",
                               expected_version=agency.version)
    trail = list(AuditEntry.history("agency", agency.agency_id))
    assert [entry.action for entry in trail] == ["create", "licence_verified"]
    assert trail[-1].reason == "DLM list 2082-06-01 entry 12" and trail[-1].actor_id == admin.user_id
    assert verified.verified_by == admin.user_id


def test_a_renewed_licence_waits_for_verification_again(table, broker, admin):
    agency = licensed_agency(broker, expires_on=valid_until(10))
    renewed = agencies.agency_renew(actor=admin, agency_id=agency.agency_id, licence_expires_on=valid_until(400),
                                    evidence="renewal certificate 2083-041", expected_version=agency.version)
    assert renewed.verification == Verification.UNVERIFIED
    assert licence_of_broker(broker_id=broker.user_id).status == LicenceStatus.UNVERIFIED


def test_brokers_belong_to_an_agency_listed_by_expiry(table, broker, other_broker, admin):
    later = licensed_agency(broker, name="Later Realty", expires_on=valid_until(300))
    sooner = licensed_agency(other_broker, name="Sooner Realty", expires_on=valid_until(20))
    assert [a.agency_id for a in agencies_list().items] == [sooner.agency_id, later.agency_id]
    _agency, members = agency_with_brokers(agency_id=later.agency_id)
    assert [m.broker_id for m in members] == [broker.user_id]
    agencies.broker_agency_set(actor=admin, broker_id=broker.user_id, agency_id=None)
    assert agency_with_brokers(agency_id=later.agency_id)[1] == []
    assert licence_of_broker(broker_id=broker.user_id).status == LicenceStatus.NONE


def test_an_expiring_licence_warns_its_principal_broker_once(table, broker, other_broker, admin, system):
    # Given an agency whose licence ends in 25 days (its principal broker: ``broker``) and one in 90 days
    soon = licensed_agency(broker, name="Soon Realty", expires_on=valid_until(25))
    agencies.broker_agency_set(actor=admin, broker_id=broker.user_id, agency_id=soon.agency_id, principal=True)
    licensed_agency(other_broker, name="Far Realty", expires_on=valid_until(90))
    before = len(outbox.pending())

    assert agencies.agency_expiry_warnings(actor=system) == [soon.agency_id]
    assert agencies.agency_expiry_warnings(actor=system) == []  # once per expiry date

    told = [record for record in outbox.pending()[before:] if record.detail_type == "AgencyLicenceExpiring"]
    assert len(told) == 1
    assert f'"office_broker_id": "{broker.user_id}"' in told[0].detail
    assert soon.licence_expires_on in told[0].detail


def test_a_listed_price_raised_above_the_threshold_needs_a_valid_licence(table, broker, admin):
    # Given an active listing below the threshold in Sanepa by a broker in no agency
    active = make_listing(broker, status=Status.ACTIVE, neighborhood="sanepa", price="2.5 crore")
    # When the broker raises its price above Rs 3 crore, then it is refused and nothing changes
    with pytest.raises(IllegalTransition) as caught:
        listing_update(actor=broker, listing_id=active.listing_id, fields={"price": "5 crore"},
                       expected_version=active.version)
    assert caught.value.field == "agency"
    assert listing_get(listing_id=active.listing_id, consistent=True).price == 25_000_000
    # while a change that stays below it goes through, and with a licensed agency the raise does too
    lowered = listing_update(actor=broker, listing_id=active.listing_id, fields={"price": "2.4 crore"},
                             expected_version=active.version)
    licensed_agency(broker)
    raised = listing_update(actor=broker, listing_id=active.listing_id, fields={"price": "5 crore"},
                            expected_version=lowered.version)
    assert raised.price == 50_000_000



def test_an_expired_licence_holds_every_brokers_listings_in_the_queues_bulk_approval_too(table, broker, other_broker,
                                                                                        admin):
    # Given an agency of two brokers whose licence ended yesterday, a listing of each in review above the
    # threshold, and one below it
    licensed_agency(broker, other_broker, expires_on=valid_until(-1))
    above = [make_listing(owner, status=Status.PENDING_REVIEW, **IN_SCOPE) for owner in (broker, other_broker)]
    below = make_listing(other_broker, status=Status.PENDING_REVIEW, neighborhood="sanepa", price="2 crore")

    # When an admin approves them all from the queue
    results = listings_bulk_transition(actor=admin, versions={x.listing_id: x.version for x in [*above, below]},
                                       action=Action.APPROVE)

    # Then only the one below the threshold is approved; the others say why and stay in review
    assert results[below.listing_id] == "ok"
    for listing in above:
        assert "licence expired" in results[listing.listing_id]
        assert listing_get(listing_id=listing.listing_id).status == Status.PENDING_REVIEW


def test_a_coming_soon_listing_is_held_back_when_its_agency_licence_lapsed_before_its_date(
        table, broker, other_broker, admin, system):
    # Given a listing above the threshold approved as coming soon in three days while the agency's licence
    # was valid, and the licence ends tomorrow
    agency = licensed_agency(broker, expires_on=valid_until(1))
    public_at = datetime.now(UTC) + timedelta(days=3)
    pending = make_listing(broker, status=Status.PENDING_REVIEW, **IN_SCOPE)
    soon = _approve(admin, pending.listing_id, Action.APPROVE_COMING_SOON, public_at=public_at)
    assert soon.status == Status.COMING_SOON
    # and a second broker's coming-soon listing whose agency's licence is still valid on that date
    licensed_agency(other_broker, name="Everest Homes Pvt Ltd")
    kept = _approve(admin, make_listing(other_broker, status=Status.PENDING_REVIEW, **IN_SCOPE).listing_id,
                    Action.APPROVE_COMING_SOON, public_at=public_at)

    # When the clock's sweep runs after the public date
    published = listing_publish_due(actor=system, at=public_at + timedelta(minutes=1))

    # Then the listing does not go public: it is withdrawn, its note saying why, and buyers cannot see it
    assert published == [kept.listing_id]
    held = listing_get(listing_id=soon.listing_id, consistent=True)
    assert held.status == Status.WITHDRAWN
    assert "licence expired" in held.change_note and agency.name in held.change_note
    assert not can_see(held, ANONYMOUS, at=public_at + timedelta(minutes=1))
    [entry] = [e for e in AuditEntry.query(f"AUDIT#listing#{soon.listing_id}") if e.action == "hold_unlicensed"]
    assert entry.actor_id == system.user_id and "licence expired" in entry.reason
    # and the other listing is public as planned
    assert listing_get(listing_id=kept.listing_id, consistent=True).status == Status.ACTIVE
    # and a later sweep leaves the held listing alone
    assert listing_publish_due(actor=system, at=public_at + timedelta(minutes=5)) == []
