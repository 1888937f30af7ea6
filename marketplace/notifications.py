"""Tell people what happened: events from the bus become e-mail (SES) and push (SNS) messages, in the
recipient's language, on the channels they chose (``marketplace.delivery``).

Brokers hear about approvals, rejections, change requests, new leads (inquiries), media and listings to
reconfirm; an agency's principal broker about its licence (verification, expiry ahead); buyers and
investors about subscription changes and receive a receipt for each payment; brokers hear of buyers asking
for a listing's documents, and the buyer hears the broker's decision (granted or refused); a confirmed viewing's broker and buyer both receive its .ics invitation. Each channel claims the event on its own (``consume_once``), so a
redelivery after a failed e-mail does not push twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from marketplace.config import settings
from marketplace.consumers import consume_once
from marketplace.delivery import recipients
from marketplace.delivery.email import send_email
from marketplace.delivery.messages import MessageKind, render
from marketplace.delivery.push import send_push
from marketplace.events import EventType as Event
from marketplace.events import Queue
from marketplace.outbox import detail_of
from marketplace.services.viewings import viewing_invitation

CONSUMER = Queue.NOTIFICATIONS
# Each channel claims events on its own: a failed e-mail's redelivery does not push again.
PUSH_CONSUMER, EMAIL_CONSUMER = f"{CONSUMER}-push", f"{CONSUMER}-email"


@dataclass(frozen=True)
class Notice:
    """Who an event tells (the data field naming them; a broker or a person) and with which message."""

    recipient_field: str
    kind: MessageKind
    broker: bool = True
    email: bool = True  # False: push only (frequent, low-stakes news)
    link: str = "backoffice"  # backoffice: the listing in the back office; site: the buyers' site;
    # agency: the broker's agency page in the back office; none
    # Data fields naming people (not brokers) told the same news besides the recipient (a viewing's buyer).
    others: tuple[str, ...] = ()
    # What the message needs beyond the event: (more data, attachments), e.g. a viewing's invitation.
    enrich: Callable[[dict], tuple[dict, tuple]] | None = None
    # The message by a data field's value (a decision's ``state``), where one event says different things.
    kind_by: tuple[str, dict[str, MessageKind]] | None = None

    def kind_for(self, data: dict) -> MessageKind:
        if self.kind_by is None:
            return self.kind
        field, kinds = self.kind_by
        return kinds.get(data.get(field), self.kind)


# One notice per detail type of the notifications rule (marketplace.events.RULES; a test holds them equal).
TEMPLATES: dict[Event, Notice] = {
    Event.LISTING_APPROVED: Notice("broker_id", MessageKind.LISTING_APPROVED, link="site"),
    Event.LISTING_REJECTED: Notice("broker_id", MessageKind.LISTING_REJECTED),
    Event.LISTING_CHANGES_REQUESTED: Notice("broker_id", MessageKind.LISTING_CHANGES_REQUESTED),
    Event.INQUIRY_RECEIVED: Notice("broker_id", MessageKind.NEW_LEAD),
    Event.MEDIA_PROCESSED: Notice("broker_id", MessageKind.MEDIA_PROCESSED, email=False),
    Event.MEDIA_FAILED: Notice("broker_id", MessageKind.MEDIA_FAILED),
    Event.SUBSCRIPTION_CHANGED: Notice("user_id", MessageKind.SUBSCRIPTION_CHANGED, broker=False, link="none"),
    Event.PAYMENT_COMPLETED: Notice("user_id", MessageKind.PAYMENT_RECEIPT, broker=False, link="none"),
    Event.DOCUMENT_ACCESS_REQUESTED: Notice("broker_id", MessageKind.DOCUMENTS_REQUESTED),
    # The buyer who asked hears the broker's decision (granted or refused), linked to the listing on the site.
    Event.DOCUMENT_ACCESS_DECIDED: Notice("buyer_id", MessageKind.DOCUMENTS_GRANTED, broker=False, link="site",
                                          kind_by=("state", {"granted": MessageKind.DOCUMENTS_GRANTED,
                                                             "refused": MessageKind.DOCUMENTS_REFUSED})),
    # Licensed agencies and listings that stay true.
    Event.AGENCY_LICENCE_VERIFIED: Notice("office_broker_id", MessageKind.AGENCY_LICENCE_VERIFIED, link="agency"),
    Event.AGENCY_LICENCE_EXPIRING: Notice("office_broker_id", MessageKind.AGENCY_LICENCE_EXPIRING, link="agency"),
    Event.LISTING_RECONFIRMATION_DUE: Notice("broker_id", MessageKind.LISTING_RECONFIRMATION_DUE),
    # Viewing requests: both the broker and the buyer receive the confirmed viewing's .ics invitation.
    Event.VIEWING_CONFIRMED: Notice("broker_id", MessageKind.VIEWING_CONFIRMED, others=("buyer_id",),
                                    enrich=viewing_invitation),
}
# The back office's pages a message links to (backoffice/urls.py; a back-office test resolves them).
AGENCY_PAGE = "/broker/agency/"  # the broker's agency
BROKER_LISTING_PAGE = "/broker/listings/{listing_id}/"  # the listing as its broker edits it


class _Blank(dict):
    def __missing__(self, key):
        return ""


def _link(notice: Notice, data: dict) -> str | None:
    cfg = settings()
    listing_id = data.get("listing_id")
    if notice.link == "agency":
        return f"{cfg.backoffice_url}{AGENCY_PAGE}"
    if notice.link == "none" or not listing_id:
        return None
    if notice.link == "site":
        return f"{cfg.site_url}/listings/{listing_id}"
    return cfg.backoffice_url + BROKER_LISTING_PAGE.format(listing_id=listing_id)


def _deliver(detail_type: str, notice: Notice, data: dict, event_id: str, *, field: str | None = None,
             attachments: tuple = ()) -> None:
    """Tell the person ``data[field]`` names (the notice's recipient by default), each channel once."""
    field = field or notice.recipient_field
    user_id = data[field]
    as_broker = notice.broker and field == notice.recipient_field
    person = recipients.broker(user_id) if as_broker else recipients.people([user_id])[user_id]
    email = replace(render(notice.kind_for(data), language=person.language, data=_Blank(data), name=person.name,
                           action_url=_link(notice, data)), attachments=attachments)
    # Each person told of one event claims it on their own (the recipient keeps the plain names).
    suffix = "" if field == notice.recipient_field else f"-{field}"
    if person.push_on:
        consume_once(consumer=PUSH_CONSUMER + suffix, event_id=event_id, handler=lambda: send_push(
            recipient=user_id, kind=detail_type, title=email.subject, body=email.summary, event_id=event_id,
            data={"listing_id": data.get("listing_id")}))
    if notice.email and person.email_on and person.email:
        consume_once(consumer=EMAIL_CONSUMER + suffix, event_id=event_id,
                     handler=lambda: send_email(to=person.email, email=email))


def handle_message(body: str) -> None:
    detail_type, detail = detail_of(body)
    notice = TEMPLATES.get(detail_type)  # a StrEnum key: found by its string too
    data = detail["data"]
    if notice is None or not data.get(notice.recipient_field):
        return
    attachments: tuple = ()
    if notice.enrich is not None:
        more, attachments = notice.enrich(data)
        data = {**data, **more}
    for field in (notice.recipient_field, *notice.others):
        if data.get(field):
            _deliver(detail_type, notice, data, detail["event_id"], field=field, attachments=attachments)


_BATCH = BatchProcessor(event_type=EventType.SQS)


def handler(event: dict, context=None) -> dict:
    """Lambda entry point for the notifications queue: a partial batch response, so only the messages
    that failed (or whose event another consumer is still handling) come back."""
    return process_partial_response(event=event, record_handler=lambda record: handle_message(record.body),
                                    processor=_BATCH, context=context)
