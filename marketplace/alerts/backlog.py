"""The admins' daily moderation summary: how many listings wait for review and how long the oldest has
waited, e-mailed (and pushed) to every admin each morning at 07:00 Kathmandu time, with the digests.
Nothing is sent on a morning with an empty queue."""

from __future__ import annotations

from datetime import UTC, datetime

from marketplace.config import settings
from marketplace.delivery import recipients
from marketplace.delivery.email import send_email, suppressed_among
from marketplace.delivery.messages import MessageKind, render
from marketplace.delivery.push import send_push
from marketplace.lifecycle import Status
from marketplace.models import Listing


def backlog(*, at: datetime | None = None) -> dict:
    """Listings waiting for review and the oldest one's wait in hours: one Count and one Query (gsi5)."""
    moment = at or datetime.now(UTC)
    pending = Listing.count_by_status(Status.PENDING_REVIEW)
    oldest = next(iter(Listing.by_status(Status.PENDING_REVIEW, limit=1)), None)
    hours = int((moment - oldest.status_changed_at).total_seconds() // 3600) if oldest else 0
    return {"pending": pending, "oldest_hours": hours}


def moderation_summary(*, at: datetime | None = None) -> dict:
    """Tell every admin the queue's state; what was told and to how many."""
    figures = backlog(at=at)
    if not figures["pending"]:
        return {**figures, "admins": 0}
    people = recipients.people(recipients.admins())
    suppressed = suppressed_among(p.email for p in people.values())
    for person in people.values():
        email = render(MessageKind.MODERATION_BACKLOG, language=person.language, data=figures, name=person.name,
                       action_url=f"{settings().backoffice_url}/admin/moderation/")
        if person.push_on:
            send_push(recipient=person.user_id, kind=MessageKind.MODERATION_BACKLOG.value, title=email.subject,
                      body=email.summary, data=figures, apps=person.apps)
        if person.email_on and person.email and person.email.lower() not in suppressed:
            send_email(to=person.email, email=email, check_suppression=False)
    return {**figures, "admins": len(people)}
