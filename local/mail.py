"""The local mail view: what the platform sent through SES, as the emulator captured it.

The emulator keeps every sent message (its SES backend's ``sent_messages``) and shows them, with its other
state, at ``/moto-api/data.json``; this reads the raw MIME messages from there. Served by the local
gateway (``make run`` prints the address): ``/_mail`` lists them newest first, ``/_mail/<id>`` shows one
(its HTML part in a sandboxed frame, and its plain text), ``/_mail.json`` gives them to scripts and tests.
"""

from __future__ import annotations

import email
import html
import json
import urllib.request
from dataclasses import asdict, dataclass, field
from email.header import decode_header, make_header
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime

from werkzeug.wrappers import Request, Response

from marketplace import formatting
from marketplace.config import settings

PREFIX = "/_mail"
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class SentMail:
    message_id: str
    sender: str
    to: list[str]
    subject: str
    date: str
    text: str
    html: str
    headers: dict[str, str]
    # filename -> text content (a viewing's .ics); other files by their size
    attachments: dict[str, str] = field(default_factory=dict)


def _part(message, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    return part.get_content() if part is not None else ""


def _attached(part) -> str:
    content = part.get_content()
    return content if isinstance(content, str) else f"({len(content)} bytes)"


def parse(message_id: str, raw: str, destinations: list[str]) -> SentMail:
    message = email.message_from_string(raw, policy=default_policy)
    # moto adds the To/Cc/Bcc headers' addresses to the Destinations it was given (SES sends to those
    # only): each recipient once, as SES delivers it.
    return SentMail(message_id=message_id, sender=str(message.get("From", "")), to=list(dict.fromkeys(destinations)),
                    subject=str(make_header(decode_header(str(message.get("Subject", ""))))),
                    date=str(message.get("Date", "")), text=_part(message, "plain"), html=_part(message, "html"),
                    headers={k: str(v) for k, v in message.items()
                             if k.lower() not in ("subject", "content-type", "mime-version")},
                    attachments={part.get_filename(): _attached(part)
                                 for part in message.iter_attachments() if part.get_filename()})


def sent_mail(endpoint_url: str | None = None) -> list[SentMail]:
    """Every message the emulator's SES accepted, newest first."""
    base = endpoint_url or settings().endpoint_url
    with urllib.request.urlopen(f"{base}/moto-api/data.json", timeout=TIMEOUT_SECONDS) as response:
        data = json.load(response)
    raw = data.get("ses", {}).get("RawMessage", [])
    return [parse(m["id"], m["raw_data"], m.get("destinations") or []) for m in reversed(raw)]


def serves(path: str) -> bool:
    return path == PREFIX or path.startswith(f"{PREFIX}/") or path == f"{PREFIX}.json"


# Readable on a phone as on a desktop: no line wider than the screen (long addresses, message ids and
# unsubscribe links break anywhere), and below 640 px each table row becomes a card of label and value.
_PAGE = ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
         "<meta name='viewport' content='width=device-width,initial-scale=1'><title>{title}</title>"
         "<style>body{{font-family:sans-serif;margin:24px;overflow-wrap:anywhere}}"
         "table{{border-collapse:collapse;width:100%}}td,th{{padding:4px 10px;text-align:left;vertical-align:top}}"
         "iframe{{width:100%;height:600px;border:1px solid #ccc;box-sizing:border-box}}pre{{white-space:pre-wrap}}"
         "@media (max-width:640px){{body{{margin:12px}}table,tbody,tr,td,th{{display:block}}"
         "tr{{padding:6px 0;border-bottom:1px solid #ddd}}td,th{{padding:2px 0}}thead,tr.head{{display:none}}}}"
         "</style></head><body>{body}</body></html>")


def _when(date: str) -> str:
    """A message's Date header as the platform writes moments ("1 Dec 2026, 14:30" in Kathmandu)."""
    try:
        return formatting.moment(parsedate_to_datetime(date))
    except (TypeError, ValueError):
        return date


def _list_page(messages: list[SentMail]) -> str:
    rows = "".join(f"<tr><td>{html.escape(_when(m.date))}</td><td>{html.escape(', '.join(m.to))}</td>"
                   f"<td><a href='{PREFIX}/{html.escape(m.message_id)}'>{html.escape(m.subject)}</a></td></tr>"
                   for m in messages)
    body = (f"<h1>Sent mail ({len(messages)})</h1><p>What SES sent, as the local emulator captured it.</p>"
            f"<table><tr class='head'><th>Date</th><th>To</th><th>Subject</th></tr>{rows}</table>")
    return _PAGE.format(title="Sent mail", body=body)


def _message_page(message: SentMail) -> str:
    headers = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in message.headers.items())
    body = (f"<p><a href='{PREFIX}'>All mail</a></p><h1>{html.escape(message.subject)}</h1><table>{headers}</table>"
            f"<h2>HTML</h2><iframe title='The message as HTML' sandbox srcdoc=\"{html.escape(message.html, quote=True)}\"></iframe>"
            f"<h2>Plain text</h2><pre>{html.escape(message.text)}</pre>")
    return _PAGE.format(title=html.escape(message.subject), body=body)


def handle(request: Request) -> Response:
    messages = sent_mail()
    if request.path == f"{PREFIX}.json":
        return Response(json.dumps([asdict(m) for m in messages], ensure_ascii=False), content_type="application/json")
    wanted = request.path.removeprefix(PREFIX).strip("/")
    if not wanted:
        return Response(_list_page(messages), content_type="text/html; charset=utf-8")
    found = next((m for m in messages if m.message_id == wanted), None)
    if found is None:
        return Response("no such message", status=404)
    return Response(_message_page(found), content_type="text/html; charset=utf-8")
