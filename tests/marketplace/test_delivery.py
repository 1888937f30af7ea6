"""Delivery: messages in English and Nepali (plain text and HTML), sent through SES as the emulator
captures it, never to a suppressed address; bounces and complaints suppress; brokers hear of decisions."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
import requests

from marketplace import formatting, notifications, outbox
from marketplace.actors import Actor, Group
from marketplace.aws import client
from marketplace.delivery import LANGUAGES, feedback
from marketplace.delivery.email import is_suppressed, send_email
from marketplace.delivery.messages import COPY, MessageKind, fields_of, render
from marketplace.delivery.preferences import preferences_update
from marketplace.lifecycle import Action
from marketplace.services import people
from marketplace.services.listings import listing_create
from tests.shared.lifecycle import listing_act
from tests.shared.listings import COMPLETE_HOUSE, submit
from tests.shared.mail import bounce, complaint, mail_to, publish_feedback
from tests.shared.people import ADMIN

DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def _sample(kind: MessageKind) -> dict:
    names = {name for language in LANGUAGES for text in (COPY[kind][language].subject, *COPY[kind][language].lines)
             for name in fields_of(text)}
    return {name: f"<b>{name}</b> & co" for name in names}


@pytest.mark.parametrize("kind", list(MessageKind))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_renders_in_both_languages_as_text_and_escaped_html(kind, language):
    # Given values that carry markup (a listing title, a buyer's name)
    data = _sample(kind)

    # When the message is rendered
    email = render(kind, language=language, data=data, name="<i>Sita</i>", action_url="https://x.test/a?b=1&c=2",
                   unsubscribe_url="https://x.test/u?t=1")

    # Then the subject and both parts carry the values, the HTML escapes them and the text has no markup
    assert email.subject and "{" not in email.subject and "{" not in email.text
    for value in data.values():
        assert value in email.subject + email.text
        assert value.replace("<", "&lt;").replace(">", "&gt;").replace(" & ", " &amp; ") in email.html
        assert value not in email.html
    assert "<i>Sita</i>" in email.text and "&lt;i&gt;Sita&lt;/i&gt;" in email.html
    assert "<" not in email.text.replace("<b>", "").replace("</b>", "").replace("<i>", "").replace("</i>", "")
    assert "https://x.test/u?t=1" in email.text and email.headers["List-Unsubscribe"] == "<https://x.test/u?t=1>"
    assert bool(DEVANAGARI.search(email.subject + email.text)) == (language == "ne")
    assert f'lang="{language}"' in email.html


def test_a_message_missing_a_value_is_refused_not_sent_with_a_hole():
    with pytest.raises(KeyError):
        render(MessageKind.LISTING_REJECTED, language="en", data={"title": "Villa"})


def test_an_email_goes_out_through_ses_with_both_parts(platform):
    email = render(MessageKind.LISTING_APPROVED, language="ne", data={"title": "Sanepa villa"}, name="Ram",
                   action_url="https://shikhar.test/listings/1")

    message_id = send_email(to="ram@example.np", email=email)

    [sent] = mail_to("ram@example.np")
    assert sent.message_id == message_id
    assert sent.subject == email.subject and "Sanepa villa" in sent.text and "Sanepa villa" in sent.html
    assert "नमस्ते Ram" in sent.text


@pytest.mark.parametrize("notification", [bounce("gone@example.np"), complaint("gone@example.np")])
def test_a_permanent_bounce_or_a_complaint_suppresses_the_address(platform, notification):
    # Given SES reported the address (through the feedback topic and its queue)
    publish_feedback(notification)
    sqs = client("sqs")
    [message] = sqs.receive_message(QueueUrl=platform.queues[feedback.QUEUE], WaitTimeSeconds=1)["Messages"]

    # When the feedback consumer handles it
    result = feedback.handler({"Records": [{"messageId": "m0", "body": message["Body"], "attributes": {},
                                            "messageAttributes": {}, "eventSource": "aws:sqs"}]})

    # Then the address is suppressed and nothing more is sent to it
    assert result == {"batchItemFailures": []}
    assert is_suppressed("Gone@Example.np")
    assert send_email(to="gone@example.np", email=render(MessageKind.LISTING_APPROVED, language="en",
                                                         data={"title": "x"})) is None
    assert mail_to("gone@example.np") == []


def test_a_transient_bounce_suppresses_nothing(platform):
    feedback.handle_message(json.dumps({"Type": "Notification", "Message": json.dumps(bounce("full@example.np", "Transient"))}))
    assert not is_suppressed("full@example.np")


@pytest.fixture
def broker_with_profile(platform, broker):
    people.broker_profile_create(actor=ADMIN, broker_id=broker.user_id, name="Bikash Thapa", email="bikash@example.np",
                                 licence_number="DLM-4242", company="Thapa Realty")
    return broker


def _notify_all() -> None:
    outbox.relay_pending()
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=f"{notifications.settings().prefix}-notifications")["QueueUrl"]
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            notifications.handle_message(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_a_broker_hears_of_a_moderation_decision_by_email_in_their_language(broker_with_profile, admin):
    # Given a broker who reads Nepali, with a submitted listing
    preferences_update(actor=broker_with_profile, language="ne")
    listing = submit(broker_with_profile, listing_create(actor=broker_with_profile, fields=COMPLETE_HOUSE).listing_id)

    # When an admin asks for changes (and the event is delivered twice)
    listing_act(actor=admin, listing_id=listing.listing_id, action=Action.REQUEST_CHANGES, reason="Add the lalpurja")
    _notify_all()

    # Then one e-mail, in Nepali, names the reason and links to the listing in the back office
    [sent] = mail_to("bikash@example.np")
    assert DEVANAGARI.search(sent.subject) and "Add the lalpurja" in sent.text
    assert f"/listings/{listing.listing_id}/" in sent.text


def test_a_broker_who_turned_email_off_gets_no_email(broker_with_profile, admin):
    preferences_update(actor=broker_with_profile, email=False)
    listing = submit(broker_with_profile, listing_create(actor=broker_with_profile, fields=COMPLETE_HOUSE).listing_id)

    listing_act(actor=admin, listing_id=listing.listing_id, action=Action.REJECT, reason="Blurry photos")
    _notify_all()

    assert mail_to("bikash@example.np") == []


@pytest.mark.parametrize(("language", "last_day", "other_language"), [
    ("en", "until 31 Dec 2026", "डिसेम्बर"), ("ne", "अब ३१ डिसेम्बर २०२६ सम्म", "Dec")])
def test_a_subscription_email_gives_its_last_day_as_people_mean_it_in_their_language(
        platform, language, last_day, other_language):
    # Given a buyer reading in ``language``, granted premium up to and including 31 December (stored as
    # 23:59:59 UTC that day, already 1 January in Kathmandu)
    buyer = people.user_profile_sync(user_id="buyer-asha", email="asha@example.np", groups=[Group.BUYERS])
    preferences_update(actor=Actor(user_id=buyer.user_id, email=buyer.email, groups=frozenset({Group.BUYERS})),
                       language=language)
    people.subscription_grant(actor=ADMIN, user_id="buyer-asha", tier="premium", reason="paid",
                              expires_at=formatting.end_of_day(date(2026, 12, 31)), expected_version=None)

    # When the notifications consumer tells them
    _notify_all()

    # Then the e-mail names the last day in words of their language (Nepali: Devanagari digits and the
    # Gregorian month's Nepali name), never the stored moment nor the other language's date
    [sent] = mail_to("asha@example.np")
    assert last_day in sent.text and "2026-12-31" not in sent.text and other_language not in sent.text


def test_the_local_mail_view_shows_what_ses_sent(api):
    # Given a message sent through SES on the emulator
    email = render(MessageKind.LISTING_APPROVED, language="en", data={"title": "Bhaisepati <villa>"})
    message_id = send_email(to="viewer@example.np", email=email)

    # When the mail view is opened on the local gateway
    listing = requests.get(f"{api}/_mail", timeout=30)
    one = requests.get(f"{api}/_mail/{message_id}", timeout=30)
    as_json = requests.get(f"{api}/_mail.json", timeout=30).json()

    # Then it lists the message, shows it (markup escaped) and gives it to scripts
    assert listing.status_code == 200 and "Bhaisepati &lt;villa&gt;" in listing.text
    assert one.status_code == 200 and "Plain text" in one.text and "<villa>" not in one.text
    assert [(m["subject"], m["to"]) for m in as_json if m["message_id"] == message_id] == [
        (email.subject, ["viewer@example.np"])]
    assert "<td>viewer@example.np</td>" in listing.text  # each recipient once
    assert requests.get(f"{api}/_mail/no-such-id", timeout=30).status_code == 404
