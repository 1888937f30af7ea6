"""Destructive buttons ask first, in Chromium: cancelling the question sends nothing and changes nothing;
confirming it does what the button says (rejecting a listing, deleting a photo, revoking a subscription)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from marketplace.models import Media, Subscription
from marketplace.selectors.listings import listing_get
from marketplace.selectors.media import media_for_listing
from marketplace.services.people import subscription_grant, user_profile_sync
from tests.backoffice.browsing import Journey, sign_in_with_new_totp
from tests.media_pipeline.helpers import upload_drawn

pytestmark = pytest.mark.xdist_group("browser")


@pytest.fixture
def context(browser):
    opened = browser.new_context(viewport={"width": 1440, "height": 900})
    yield opened
    opened.close()


def _click_and_answer(journey: Journey, selector: str, *, accept: bool) -> tuple[list[str], list[str]]:
    """Click a button, answer its question; (the questions asked, the POSTs the page sent)."""
    asked, posted = [], []

    def on_request(request):
        if request.method == "POST":
            posted.append(request.url)

    def on_dialog(dialog):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    journey.page.on("dialog", on_dialog)
    journey.page.on("request", on_request)
    try:
        if accept:  # the form is sent: wait for the page it leads to
            with journey.page.expect_navigation():
                journey.page.click(selector)
        else:  # Playwright's click returns once any navigation it schedules has started: none may have
            journey.page.click(selector)
    finally:
        journey.page.remove_listener("request", on_request)
        journey.page.remove_listener("dialog", on_dialog)
    return asked, posted


def test_rejecting_a_listing_asks_and_a_cancel_leaves_it_waiting(context, live_backoffice, people, listing_factory):
    pending = listing_factory(status="pending_review", title="Lakeside villa in Godawari")
    journey = Journey(context, live_backoffice, "admin-confirm")
    sign_in_with_new_totp(journey.page, live_backoffice, people["admin"])
    journey.size(1440, 900)
    journey.open(f"/admin/moderation/{pending.listing_id}/", "review-before-reject")
    journey.page.fill("#id_reason", "The photos show another house.")

    asked, posted = _click_and_answer(journey, "button.danger[value=reject]", accept=False)

    assert asked == [f"Reject: {pending.title}?"] and posted == []
    after_cancel = listing_get(listing_id=pending.listing_id)
    assert (after_cancel.status, after_cancel.version) == ("pending_review", pending.version)
    expect(journey.page.locator("#id_reason")).to_have_value("The photos show another house.")  # still there

    asked, posted = _click_and_answer(journey, "button.danger[value=reject]", accept=True)

    assert asked == [f"Reject: {pending.title}?"] and len(posted) == 1
    rejected = listing_get(listing_id=pending.listing_id)
    assert (rejected.status, rejected.rejection_reason) == ("rejected", "The photos show another house.")
    journey.check("after-reject")


def test_deleting_a_photo_asks_and_a_cancel_keeps_it(context, live_backoffice, people, listing_factory, api):
    draft = listing_factory(title="Hillside bungalow in Chobhar")
    for seed in (1, 2):
        upload_drawn(draft, people["broker"].actor, seed=seed)
    first, second = media_for_listing(listing_id=draft.listing_id, consistent=True)
    journey = Journey(context, live_backoffice, "broker-confirm")
    sign_in_with_new_totp(journey.page, live_backoffice, people["broker"])
    journey.size(390, 844)
    journey.open(f"/broker/listings/{draft.listing_id}/", "edit-before-delete")
    delete = f"#media-list li.media[data-media-id='{first.media_id}'] button[value=delete]"

    asked, posted = _click_and_answer(journey, delete, accept=False)

    assert asked == ["Delete this photo? It cannot be undone."] and posted == []
    assert [m.media_id for m in media_for_listing(listing_id=draft.listing_id, consistent=True)] == [
        first.media_id, second.media_id]

    asked, posted = _click_and_answer(journey, delete, accept=True)

    assert len(asked) == 1 and len(posted) == 1
    assert Media.get_or_none(draft.listing_id, first.media_id) is None
    assert [m.media_id for m in media_for_listing(listing_id=draft.listing_id, consistent=True)] == [second.media_id]
    journey.check("after-delete")


def test_revoking_a_subscription_asks_and_only_revoking_does(context, live_backoffice, people):
    buyer = people["buyer"]
    user_profile_sync(user_id=buyer.user_id, email=buyer.email, groups=["buyers"], name="Kiran Joshi")
    subscription_grant(actor=people["admin"].actor, user_id=buyer.user_id, tier="premium",
                                 expires_at=datetime.now(UTC) + timedelta(days=30), reason="paid by bank transfer",
                                 expected_version=None)
    journey = Journey(context, live_backoffice, "admin-confirm")
    sign_in_with_new_totp(journey.page, live_backoffice, people["admin"])
    journey.size(390, 844)
    journey.open(f"/admin/people/{buyer.user_id}/", "person-before-revoke")
    apply = "form:has(input[name=form][value=subscription]) button[type=submit]"
    journey.page.select_option("#id_sub-operation", "extend")
    journey.page.fill("#id_sub-expires_at", (datetime.now(UTC) + timedelta(days=60)).date().isoformat())
    journey.page.fill("#id_sub-reason", "renewed")

    asked, posted = _click_and_answer(journey, apply, accept=True)  # extending is not destructive: no question

    assert asked == [] and len(posted) == 1
    granted = Subscription.get(*Subscription.key(buyer.user_id))
    assert granted.version > 1
    journey.page.select_option("#id_sub-operation", "revoke")
    journey.page.fill("#id_sub-reason", "refunded")

    asked, posted = _click_and_answer(journey, apply, accept=False)

    assert asked == ["Revoke the subscription of Kiran Joshi? Their paid access ends now."] and posted == []
    kept = Subscription.get(*Subscription.key(buyer.user_id))
    assert (kept.expires_at, kept.version) == (granted.expires_at, granted.version)

    asked, posted = _click_and_answer(journey, apply, accept=True)

    assert len(asked) == 1 and len(posted) == 1
    assert Subscription.get(*Subscription.key(buyer.user_id)).expires_at <= datetime.now(UTC)  # ended now
    journey.check("after-revoke")
