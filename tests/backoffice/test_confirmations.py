"""Destructive buttons ask first, in Chromium: cancelling the question sends nothing and changes nothing;
confirming it does what the button says."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from marketplace.models import Media
from marketplace.selectors.listings import listing_get
from marketplace.selectors.media import media_for_listing
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
    journey.page.once("dialog", lambda dialog: (asked.append(dialog.message),
                                                dialog.accept() if accept else dialog.dismiss()))
    journey.page.on("request", lambda request: request.method == "POST" and posted.append(request.url))
    # Playwright's click returns once any navigation the click schedules has started: a form the
    # question did not stop would be posted by then.
    journey.page.click(selector)
    if accept:
        journey.page.wait_for_load_state("load")
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
