"""Tell people what happened: events from the bus become e-mail (SES) and push (SNS) messages, in the
recipient's language, on the channels they chose (``marketplace.delivery``).

Brokers hear about approvals, rejections, change requests, new leads (inquiries), media, listings to
reconfirm and coming-soon listings held back on their date (their agency's licence no longer valid); an agency's principal broker about its licence's verification, and every broker of the agency
and every admin about its expiry ahead; buyers and
investors about subscription changes and receive a receipt for each payment; brokers hear of buyers asking
for a listing's documents, and the buyer hears the broker's decision (granted or refused); a confirmed
viewing's broker and buyer both receive its .ics invitation. Brokers hear of viewing requests and
cancellations (a cancelled confirmed viewing with the invitation's CANCEL, which the buyer who cancelled
it receives too, so both calendars drop it), buyers of declines, both of
expiries; buyers hear of their inquiry moving on to a viewing or an offer. Each channel claims the event
on its own (``consume_once``), so a redelivery after a failed e-mail does not push twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from marketplace import formatting
from marketplace.config import settings
from marketplace.consumers import consume_once
from marketplace.delivery import recipients
from marketplace.delivery.email import send_email
from marketplace.delivery.messages import MessageKind, render
from marketplace.delivery.push import send_push
from marketplace.events import EventType as Event
from marketplace.events import Queue
from marketplace.leads import LeadState
from marketplace.outbox import detail_of
from marketplace.services.viewings import viewing_invitation, viewing_words

CONSUMER = Queue.NOTIFICATIONS
# Each channel claims events on its own: a failed e-mail's redelivery does not push again.
PUSH_CONSUMER, EMAIL_CONSUMER = f"{CONSUMER}-push", f"{CONSUMER}-email"


@dataclass(frozen=True)
class Audience:
    """People told of an event besides its recipient, found when it is delivered (so the agency's brokers
    are those of the day, not of when the event was written), each with their own message and link."""

    who: Callable[[dict], Iterable[str]]  # the event's data -> user ids
    broker: bool  # brokers (their broker profile) or people (their user profile)
    kind: MessageKind | None = None  # their message, when not the notice's
    link: str | None = None  # their link, when not the notice's
    attachments: bool = False  # they receive the notice's attachments too (a calendar update of their own)


def _agency_brokers(data: dict) -> list[str]:
    return recipients.agency_brokers(data["agency_id"]) if data.get("agency_id") else []


def _admins(data: dict) -> list[str]:
    return recipients.admins()


def _buyer_of_a_confirmed_viewing(data: dict) -> list[str]:
    """The buyer of a viewing cancelled after it was confirmed: their calendar holds its invitation, which
    the attached CANCEL drops (nothing was sent to a calendar for a request never confirmed)."""
    return [data["buyer_id"]] if data.get("confirmed_start") and data.get("buyer_id") else []


@dataclass(frozen=True)
class Notice:
    """Who an event tells (the data field naming them; a broker or a person) and with which message."""

    recipient_field: str
    kind: MessageKind
    broker: bool = True
    email: bool = True  # False: push only (frequent, low-stakes news)
    link: str = "backoffice"  # backoffice: the listing in the back office; site: the buyers' site;
    # agency: the broker's agency page in the back office; viewings: the broker's viewing requests; none
    # Data fields naming people (not brokers) told the same news besides the recipient (a viewing's buyer).
    others: tuple[str, ...] = ()
    # What the message needs beyond the event: (more data, attachments), e.g. a viewing's invitation.
    enrich: Callable[[dict], tuple[dict, tuple]] | None = None
    # The message by a data field's value (a decision's ``state``), where one event says different things.
    kind_by: tuple[str, dict[str, MessageKind]] | None = None
    audiences: tuple[Audience, ...] = ()
    # Or, where that takes more than one field: which message the data calls for (None: nobody is told).
    choose: Callable[[dict], MessageKind | None] | None = None

    def kind_for(self, data: dict) -> MessageKind | None:
        """The message this event's data calls for; None: nobody is told."""
        if self.choose is not None:
            return self.choose(data)
        if self.kind_by is None:
            return self.kind
        field, kinds = self.kind_by
        return kinds.get(data.get(field), self.kind)


def _lead_message(data: dict) -> MessageKind | None:
    """The lead moves a buyer hears of: on to a viewing (not back from an offer) and on to an offer. The
    broker's own bookkeeping (contacted, closed) stays theirs."""
    if data.get("to") == LeadState.OFFER:
        return MessageKind.LEAD_OFFER
    if data.get("to") == LeadState.VIEWING and data.get("from") != LeadState.OFFER:
        return MessageKind.LEAD_VIEWING
    return None


def _last_day(data: dict) -> tuple[dict, tuple]:
    """An end as the day people mean, not the ISO moment or day the event carries: a plan's ``expires_at``
    (a stored moment: its inclusive last day) or a licence's ``expires_on`` (its last day). A ``date``: the
    message writes it in its reader's language ("31 Dec 2026", "३१ डिसेम्बर २०२६")."""
    more = {}
    if data.get("expires_at"):
        more["expires_at"] = formatting.last_day(datetime.fromisoformat(data["expires_at"]))
    if data.get("expires_on"):
        more["expires_on"] = date.fromisoformat(data["expires_on"])
    return more, ()


def _broker_name(data: dict) -> tuple[dict, tuple]:
    return {"broker_name": recipients.broker(data["broker_id"]).name or "Your broker"}, ()


# One notice per detail type of the notifications rule (marketplace.events.RULES; a test holds them equal).
TEMPLATES: dict[Event, Notice] = {
    Event.LISTING_APPROVED: Notice("broker_id", MessageKind.LISTING_APPROVED, link="site"),
    Event.LISTING_REJECTED: Notice("broker_id", MessageKind.LISTING_REJECTED),
    Event.LISTING_CHANGES_REQUESTED: Notice("broker_id", MessageKind.LISTING_CHANGES_REQUESTED),
    Event.INQUIRY_RECEIVED: Notice("broker_id", MessageKind.NEW_LEAD),
    Event.MEDIA_PROCESSED: Notice("broker_id", MessageKind.MEDIA_PROCESSED, email=False),
    Event.MEDIA_FAILED: Notice("broker_id", MessageKind.MEDIA_FAILED),
    Event.SUBSCRIPTION_CHANGED: Notice("user_id", MessageKind.SUBSCRIPTION_CHANGED, broker=False, link="none",
                                       enrich=_last_day),
    Event.PAYMENT_COMPLETED: Notice("user_id", MessageKind.PAYMENT_RECEIPT, broker=False, link="none",
                                    enrich=_last_day),
    Event.DOCUMENT_ACCESS_REQUESTED: Notice("broker_id", MessageKind.DOCUMENTS_REQUESTED),
    # The buyer who asked hears the broker's decision (granted or refused), linked to the listing on the site.
    Event.DOCUMENT_ACCESS_DECIDED: Notice("buyer_id", MessageKind.DOCUMENTS_GRANTED, broker=False, link="site",
                                          kind_by=("state", {"granted": MessageKind.DOCUMENTS_GRANTED,
                                                             "refused": MessageKind.DOCUMENTS_REFUSED})),
    # Licensed agencies and listings that stay true.
    Event.AGENCY_LICENCE_VERIFIED: Notice("office_broker_id", MessageKind.AGENCY_LICENCE_VERIFIED, link="agency"),
    # A licence ending: the principal broker, every other broker of the agency (their listings above the
    # threshold will be held) and the admins (who verify the renewal).
    Event.AGENCY_LICENCE_EXPIRING: Notice("office_broker_id", MessageKind.AGENCY_LICENCE_EXPIRING, link="agency",
                                          enrich=_last_day,
                                          audiences=(Audience(_agency_brokers, broker=True),
                                                     Audience(_admins, broker=False,
                                                              kind=MessageKind.AGENCY_LICENCE_EXPIRING_ADMIN,
                                                              link="admin_agency"))),
    Event.LISTING_RECONFIRMATION_DUE: Notice("broker_id", MessageKind.LISTING_RECONFIRMATION_DUE),
    Event.LISTING_HELD: Notice("broker_id", MessageKind.LISTING_HELD),
    # Viewing requests: both the broker and the buyer receive the confirmed viewing's .ics invitation.
    Event.VIEWING_CONFIRMED: Notice("broker_id", MessageKind.VIEWING_CONFIRMED, others=("buyer_id",),
                                    enrich=viewing_invitation),
    Event.VIEWING_REQUESTED: Notice("broker_id", MessageKind.VIEWING_REQUESTED, link="viewings", enrich=viewing_words),
    # A cancelled confirmed viewing: the broker and the buyer who cancelled it each receive the CANCEL.
    Event.VIEWING_CANCELLED: Notice("broker_id", MessageKind.VIEWING_CANCELLED, link="viewings", enrich=viewing_words,
                                    audiences=(Audience(_buyer_of_a_confirmed_viewing, broker=False, link="site",
                                                        kind=MessageKind.VIEWING_CANCELLED_BY_YOU, attachments=True),)),
    Event.VIEWING_DECLINED: Notice("buyer_id", MessageKind.VIEWING_DECLINED, broker=False, link="site"),
    Event.VIEWING_EXPIRED: Notice("broker_id", MessageKind.VIEWING_EXPIRED, others=("buyer_id",), link="none"),
    # Leads: the buyer hears of the moves ``_lead_message`` picks.
    Event.LEAD_MOVED: Notice("buyer_id", MessageKind.LEAD_VIEWING, broker=False, link="site", choose=_lead_message,
                             enrich=_broker_name),
}
# The back office's pages a message links to (backoffice/urls.py; a back-office test resolves them).
AGENCY_PAGE = "/broker/agency/"  # the broker's agency
ADMIN_AGENCY_PAGE = "/admin/agencies/{agency_id}/"  # the agency as admins verify it
VIEWINGS_PAGE = "/broker/viewings/"  # the broker's viewing requests
BROKER_LISTING_PAGE = "/broker/listings/{listing_id}/"  # the listing as its broker edits it


class _Blank(dict):
    def __missing__(self, key):
        return ""


def _link(link: str, data: dict) -> str | None:
    cfg = settings()
    listing_id = data.get("listing_id")
    if link in ("agency", "viewings"):
        return cfg.backoffice_url + (AGENCY_PAGE if link == "agency" else VIEWINGS_PAGE)
    if link == "admin_agency":
        return cfg.backoffice_url + ADMIN_AGENCY_PAGE.format(agency_id=data["agency_id"])
    if link == "none" or not listing_id:
        return None
    if link == "site":
        return f"{cfg.site_url}/listings/{listing_id}"
    return cfg.backoffice_url + BROKER_LISTING_PAGE.format(listing_id=listing_id)


def _deliver(detail_type: str, notice: Notice, data: dict, event_id: str, *, field: str | None = None,
             attachments: tuple = ()) -> None:
    """Tell the person ``data[field]`` names (the notice's recipient by default), each channel once."""
    field = field or notice.recipient_field
    # Each person told of one event claims it on their own (the recipient keeps the plain names).
    _tell(detail_type, notice.kind_for(data), data, event_id, user_id=data[field], email_too=notice.email,
          as_broker=notice.broker and field == notice.recipient_field, link=notice.link,
          suffix="" if field == notice.recipient_field else f"-{field}", attachments=attachments)


def _tell_audiences(detail_type: str, notice: Notice, data: dict, event_id: str, *, told: set[str],
                    attachments: tuple = ()) -> None:
    """Each audience's people not told already (a principal broker is also one of the agency's brokers)."""
    for audience in notice.audiences:
        for user_id in audience.who(data):
            if user_id in told:
                continue
            told.add(user_id)
            _tell(detail_type, audience.kind or notice.kind, data, event_id, user_id=user_id, email_too=notice.email,
                  as_broker=audience.broker, link=audience.link or notice.link, suffix=f"-to-{user_id}",
                  attachments=attachments if audience.attachments else ())


def _tell(detail_type: str, kind: MessageKind, data: dict, event_id: str, *, user_id: str, as_broker: bool,
          link: str, suffix: str, email_too: bool = True, attachments: tuple = ()) -> None:
    person = recipients.broker(user_id) if as_broker else recipients.people([user_id])[user_id]
    email = replace(render(kind, language=person.language, data=_Blank(data), name=person.name,
                           action_url=_link(link, data)), attachments=attachments)
    if person.push_on:
        consume_once(consumer=PUSH_CONSUMER + suffix, event_id=event_id, handler=lambda: send_push(
            recipient=user_id, kind=detail_type, title=email.subject, body=email.summary, event_id=event_id,
            data={"listing_id": data.get("listing_id")}, apps=person.apps))
    if email_too and person.email_on and person.email:
        consume_once(consumer=EMAIL_CONSUMER + suffix, event_id=event_id,
                     handler=lambda: send_email(to=person.email, email=email))


def handle_message(body: str) -> None:
    detail_type, detail = detail_of(body)
    notice = TEMPLATES.get(detail_type)  # a StrEnum key: found by its string too
    data = detail["data"]
    if notice is None or not (data.get(notice.recipient_field) or notice.audiences):
        return
    if notice.kind_for(data) is None:
        return
    attachments: tuple = ()
    if notice.enrich is not None:
        more, attachments = notice.enrich(data)
        data = {**data, **more}
    told = set()
    for field in (notice.recipient_field, *notice.others):
        if data.get(field):
            _deliver(detail_type, notice, data, detail["event_id"], field=field, attachments=attachments)
            told.add(data[field])
    _tell_audiences(detail_type, notice, data, detail["event_id"], told=told, attachments=attachments)


_BATCH = BatchProcessor(event_type=EventType.SQS)


def handler(event: dict, context=None) -> dict:
    """Lambda entry point for the notifications queue: a partial batch response, so only the messages
    that failed (or whose event another consumer is still handling) come back."""
    return process_partial_response(event=event, record_handler=lambda record: handle_message(record.body),
                                    processor=_BATCH, context=context)
