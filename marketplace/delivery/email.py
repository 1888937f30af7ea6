"""Sending e-mail through SES: raw MIME (plain text and HTML alternatives, List-Unsubscribe headers),
never to a suppressed address.

In AWS the configuration set (``SHIKHAR_SES_CONFIGURATION_SET``) publishes bounces and complaints to the
feedback topic (``marketplace.delivery.feedback``). The emulator keeps what was sent (the local mail
view, ``local.mail``); it publishes no feedback for ordinary addresses, so tests publish SES's
notification to the feedback queue themselves.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from marketplace.aws import client
from marketplace.config import settings
from marketplace.delivery.messages import Email
from marketplace.models import EmailSuppression


def is_suppressed(address: str) -> bool:
    return EmailSuppression.get_or_none(address) is not None


def suppressed_among(addresses) -> set[str]:
    """The addresses of ``addresses`` that are suppressed (lower case): one BatchGetItem per 100."""
    keys = [EmailSuppression.key(a) for a in {a.strip().lower() for a in addresses if a}]
    return {item.address.lower() for item in EmailSuppression.batch_get(keys)} if keys else set()


def mime_of(email: Email, *, to: str, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = email.subject, sender, to
    message["Date"], message["Message-ID"] = formatdate(localtime=False), make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2])
    for name, value in email.headers.items():
        message[name] = value
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    for attachment in email.attachments:
        kind, _, parameters = attachment.content_type.partition(";")
        maintype, subtype = kind.strip().split("/")
        params = dict(p.strip().split("=", 1) for p in parameters.split(";") if "=" in p)
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename,
                               params=params)
    return message


def send_email(*, to: str, email: Email, check_suppression: bool = True) -> str | None:
    """Send ``email`` to ``to``; the SES message id, or None when the address is suppressed (or empty)."""
    if not to or (check_suppression and is_suppressed(to)):
        return None
    cfg = settings()
    extra = {"ConfigurationSetName": cfg.ses_configuration_set} if cfg.ses_configuration_set else {}
    response = client("ses").send_raw_email(Source=cfg.mail_from, Destinations=[to],
                                            RawMessage={"Data": mime_of(email, to=to, sender=cfg.mail_from).as_bytes()},
                                            **extra)
    return response["MessageId"]
