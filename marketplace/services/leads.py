"""Moving a lead along its pipeline (``marketplace.leads.MOVES``): the broker of the lead (or an admin),
at the version they read, with its audit entry and its ``LeadMoved`` event (the buyer hears of the moves
``marketplace.notifications`` picks), in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from marketplace import db
from marketplace.actors import Actor
from marketplace.audit import audit_entry
from marketplace.errors import NotFound
from marketplace.events import DomainEvent, EventType, to_outbox
from marketplace.leads import LeadState, check_move
from marketplace.models import Inquiry


def lead_move(*, actor: Actor, listing_id: str, inquiry_id: str, to: str, expected_version: int | None,
              at: datetime | None = None) -> Inquiry:
    """Move a lead to ``to``; its first move out of "new" records the broker's response time."""
    inquiry = Inquiry.get_or_not_found(listing_id, inquiry_id, consistent=True)
    if not (actor.is_admin or inquiry.broker_id == actor.user_id):
        raise NotFound("no such inquiry", field="inquiry_id")
    if inquiry.version is not None or expected_version is not None:  # leads stored before versions had none
        db.check_version(inquiry, expected_version, noun="lead")
    before = LeadState.of(inquiry.status)
    target = check_move(inquiry.status, to)
    moment = at or datetime.now(UTC)
    inquiry.status, inquiry.state_changed_at = target.value, moment
    if inquiry.first_response_at is None:
        inquiry.first_response_at = inquiry.handled_at or moment
    with db.transaction(conflict_message=db.stale_message("lead"), conflict_field="expected_version") as tx:
        tx.save(inquiry)
        tx.save(audit_entry(actor=actor, entity_type="inquiry", entity_id=inquiry_id, action="lead_move",
                            before={"status": before.value}, after={"status": target.value}))
        tx.save(to_outbox(DomainEvent(EventType.LEAD_MOVED, {
            "inquiry_id": inquiry_id, "listing_id": listing_id, "title": inquiry.listing_title,
            "broker_id": inquiry.broker_id, "buyer_id": inquiry.buyer_id, "from": before.value,
            "to": target.value})))
    return inquiry
