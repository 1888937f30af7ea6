"""The leads pipeline: one transition table, moves at the version read, the first answer's time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.entitlements import Entitlements
from marketplace.errors import Conflict, IllegalTransition, NotFound
from marketplace.leads import MOVES, LeadState, call_link, duration_words, response_time, whatsapp_link
from marketplace.services.engagement import inquiry_create
from marketplace.services.leads import lead_move


def _lead(buyer, listing):
    inquiry, _ = inquiry_create(actor=buyer, listing_id=listing.listing_id, entitlements=Entitlements(),
                                idempotency_key=None, name="Sita Rai", phone="9801234567", message="Is it still free?")
    return inquiry


def test_the_pipeline_runs_new_contacted_viewing_offer_closed(buyer, broker, active):
    lead = _lead(buyer, active)
    answered_at = lead.created_at + timedelta(minutes=95)
    version = lead.version
    for state, at in (("contacted", answered_at), ("viewing", None), ("offer", None), ("closed", None)):
        moved = lead_move(actor=broker, listing_id=active.listing_id, inquiry_id=lead.inquiry_id, to=state,
                          expected_version=version, at=at)
        version = moved.version
    assert moved.status == "closed"
    # the first answer is the first move out of "new", whatever came after
    assert response_time(created_at=moved.created_at, first_response_at=moved.first_response_at) == timedelta(minutes=95)
    assert duration_words(timedelta(minutes=95)) == "1 h 35 min"


def test_moves_outside_the_table_are_refused_naming_the_state(buyer, broker, active):
    lead = _lead(buyer, active)
    with pytest.raises(IllegalTransition) as skipped:
        lead_move(actor=broker, listing_id=active.listing_id, inquiry_id=lead.inquiry_id, to="offer",
                  expected_version=lead.version)
    assert skipped.value.field == "state"
    with pytest.raises(IllegalTransition):
        lead_move(actor=broker, listing_id=active.listing_id, inquiry_id=lead.inquiry_id, to="sold",
                  expected_version=lead.version)
    assert MOVES[LeadState.CLOSED] == frozenset()


def test_a_stale_page_or_another_broker_changes_nothing(buyer, broker, other_broker, active):
    lead = _lead(buyer, active)
    with pytest.raises(NotFound):
        lead_move(actor=other_broker, listing_id=active.listing_id, inquiry_id=lead.inquiry_id, to="contacted",
                  expected_version=lead.version)
    lead_move(actor=broker, listing_id=active.listing_id, inquiry_id=lead.inquiry_id, to="contacted",
              expected_version=lead.version, at=datetime.now(UTC))
    with pytest.raises(Conflict):
        lead_move(actor=broker, listing_id=active.listing_id, inquiry_id=lead.inquiry_id, to="closed",
                  expected_version=lead.version)


def test_call_and_whatsapp_links_use_the_international_number():
    assert call_link("980-1234567") == "tel:+9779801234567"
    assert whatsapp_link("+977 980 1234567") == "https://wa.me/9779801234567"
    assert call_link("") is None and whatsapp_link("") is None
