"""A confirmed viewing as an iCalendar invitation (RFC 5545, ``METHOD:REQUEST``): the buyer and the
broker each receive it and add it to their calendar. Built with the ``icalendar`` library."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

PRODUCT = "-//Shikhar//Viewings//EN"
UID_DOMAIN = "viewings.shikhar.np"


def invitation(viewing, *, broker_name: str, broker_email: str, address: str, listing_url: str = "",
               stamp: datetime | None = None, cancelled: bool = False) -> bytes:
    """The .ics of ``viewing``'s confirmed time (its ``confirmed_start``, ``duration_minutes``); when
    ``cancelled``, the ``CANCEL`` of that event (same uid, a later sequence), which removes it from the
    calendars it was added to."""
    start = viewing.confirmed_start.astimezone(UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", f"{viewing.viewing_id}@{UID_DOMAIN}")  # the same uid: a later change updates it
    event.add("dtstamp", stamp or datetime.now(UTC))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=int(viewing.duration_minutes)))
    event.add("summary", f"Viewing: {viewing.listing_title}")
    event.add("location", vText(address))
    event.add("description", "\n".join(part for part in (
        f"Viewing of {viewing.listing_title} with {broker_name}.", viewing.message, listing_url) if part))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("sequence", int(viewing.version or 0))
    organizer = vCalAddress(f"mailto:{broker_email}")
    organizer.params["cn"] = vText(broker_name)
    event["organizer"] = organizer
    attendee = vCalAddress(f"mailto:{viewing.buyer_email}")
    attendee.params["cn"] = vText(viewing.buyer_name or viewing.buyer_email)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    return calendar.to_ical()
