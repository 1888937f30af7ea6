"""The local mail view (``/_mail``) in Chromium at the desktop and phone sizes: what SES sent, readable on
a phone without scrolling sideways (long addresses, message ids and unsubscribe links included), with its
dates as the platform writes them."""

from __future__ import annotations

import threading
from email.utils import parsedate_to_datetime

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server
from werkzeug.wrappers import Request

from local import mail
from marketplace import formatting
from marketplace.delivery.email import send_email
from marketplace.delivery.messages import MessageKind, render
from tests.backoffice import browsing
from tests.shared.mail import wait_for_mail

LONG_ADDRESS = "sita.shrestha.and.family.of.budhanilkantha@residences.example.com.np"


@pytest.fixture
def mail_view(platform):
    """The mail view over real HTTP on a free port, as the local gateway serves it."""
    server = make_server("127.0.0.1", 0, Request.application(mail.handle), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_the_mail_view_reads_on_a_phone_without_scrolling_sideways(context, mail_view):
    # Given a message to a long address with a long one-click unsubscribe link, sent through SES
    email = render(MessageKind.LISTING_APPROVED, language="en", name="Sita",
                   data={"title": "Four-bedroom villa with a garden and a view of Shivapuri in Budhanilkantha"},
                   unsubscribe_url="https://shikhar.example.np/v1/alerts/unsubscribe?token=" + "x" * 180)
    send_email(to=LONG_ADDRESS, email=email)
    sent = wait_for_mail(LONG_ADDRESS)[0]
    journey = browsing.Journey(context, mail_view, "mail-view")

    # When it is opened at each size, then neither the list nor the message is wider than the window
    # (``Journey.check``: screenshots, width, axe-core, console), and the list dates it in Kathmandu
    for width, height in browsing.SIZES:
        journey.size(width, height)
        journey.open(mail.PREFIX, "list")
        listed = journey.page.inner_text("body")
        assert LONG_ADDRESS in listed and email.subject in listed
        journey.open(f"{mail.PREFIX}/{sent.message_id}", "message")
        # and the HTML part shows in its frame, no wider than the frame
        frame = journey.page.frame_locator("iframe")
        expect(frame.locator("body")).to_contain_text("Namaste Sita")
        assert frame.locator("html").evaluate("e => e.scrollWidth <= e.clientWidth")
        journey.page.locator("iframe").scroll_into_view_if_needed()
        # (a full-page screenshot leaves a frame below the first screen unpainted: this one is the screen)
        journey.page.screenshot(path=str(browsing.ARTIFACTS / f"mail-view-message-frame-{width}.png"))
    assert formatting.moment(parsedate_to_datetime(sent.date)) in listed
