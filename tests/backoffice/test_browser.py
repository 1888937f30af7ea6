"""The two journeys in a real browser: Playwright driving Debian's Chromium against the back office,
the emulator, the local workers (media pipeline) and the public API's local gateway.
Screenshots of the key pages go to test-artifacts/backoffice/."""

from __future__ import annotations

import io
import shutil
import threading

import pytest
import requests
from PIL import Image
from playwright.sync_api import expect

from local import workers
from local.gateway import Gateway
from marketplace.lifecycle import Action
from marketplace.selectors.listings import listing_get
from tests.backoffice.browsing import assert_images_load, shot, sign_in_with_new_totp
from tests.media_pipeline.helpers import upload_drawn
from tests.shared.lifecycle import listing_act
from tests.shared.people import ADMIN

pytestmark = pytest.mark.xdist_group("browser")



@pytest.fixture
def running_workers(platform):
    stop = threading.Event()
    threads = [threading.Thread(target=w, args=(stop,), daemon=True) for w in workers.WORKERS]
    for thread in threads:
        thread.start()
    yield
    stop.set()
    for thread in threads:
        thread.join(timeout=10)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


def test_an_admin_signs_in_with_totp_approves_a_listing_and_the_public_api_lists_it(
        page, live_backoffice, people, listing_factory, emulator):
    pending = listing_factory(status="pending_review", title="Garden villa in Budhanilkantha")
    gateway = Gateway(port=0).start()
    try:
        before = requests.get(f"{gateway.url}/v1/listings", timeout=30).json()

        sign_in_with_new_totp(page, live_backoffice, people["admin"])
        expect(page.locator("#pending-count")).to_have_text("1")
        shot(page, "admin-dashboard")
        page.click("text=Moderation")
        shot(page, "moderation-queue")
        page.click(f"text={pending.title}")
        page.check("#id_premium")
        page.click("button[value=approve]")
        expect(page.locator(".messages")).to_contain_text(f"Approved: {pending.title}")
        shot(page, "moderation-after-approve")

        after = requests.get(f"{gateway.url}/v1/listings", timeout=30).json()
    finally:
        gateway.stop()
    assert listing_get(listing_id=pending.listing_id).status == "active"
    assert pending.listing_id not in [i["listing_id"] for i in before["items"]]
    assert pending.listing_id in [i["listing_id"] for i in after["items"]]


def _photo_jpeg() -> bytes:
    image = Image.new("RGB", (1600, 1067), (90, 120, 160))
    for x in range(0, 1600, 40):  # some detail so it is not a flat colour
        image.paste((200, 180, 120), (x, 0, x + 20, 1067))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def test_a_broker_creates_a_listing_uploads_photos_and_sees_them_in_the_back_office_and_through_the_api(
        page, live_backoffice, people, running_workers, api, tmp_path):
    photos = [tmp_path / "front.jpg", tmp_path / "garden.jpg"]
    for path in photos:
        path.write_bytes(_photo_jpeg())

    sign_in_with_new_totp(page, live_backoffice, people["broker"])
    expect(page.locator("h1")).to_have_text("My inventory")
    page.click("text=New listing")
    page.fill("#id_title", "Modern house with valley view in Bhaisepati")
    page.fill("#id_description", "Three bedrooms, terrace, solar and a quiet road.")
    page.select_option("#id_property_type", "house")
    page.fill("#id_price", "3.25 crore")
    page.select_option("#id_neighborhood", "bhaisepati")
    page.fill("#id_latitude", "27.6545")
    page.fill("#id_longitude", "85.3003")
    page.fill("#id_land_area", "0-6-2-0")
    page.fill("#id_built_up_area", "2400")
    page.fill("#id_bedrooms", "3")
    page.fill("#id_bathrooms", "3")
    shot(page, "broker-new-listing")
    page.click("text=Save draft")
    expect(page.locator("#listing-status")).to_have_text("Draft")
    expect(page.locator("body")).to_contain_text("Rs 3,25,00,000 (Rs 3.25 crore)")

    page.set_input_files("#media-files", [str(p) for p in photos])
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#media-list .media.ready")).to_have_count(2, timeout=90_000)
    assert_images_load(page, "#media-list img.thumb", 2)  # drawn by the page's script as each one is ready
    shot(page, "broker-photo-processed")
    expect(page.locator("#uploads")).to_contain_text("front.jpg: uploaded")
    page.reload()
    assert_images_load(page, "#media-list img.thumb", 2)  # and rendered by the server

    # Approved, the listing's photos come through the public API as URLs that serve the pictures offline.
    listing_id = page.url.rstrip("/").rsplit("/", 1)[1]
    page.click("button[value=submit]")
    expect(page.locator("#listing-status")).to_have_text("Waiting for review")
    listing_act(actor=ADMIN, listing_id=listing_id, action=Action.APPROVE)
    detail = requests.get(f"{api}/v1/listings/{listing_id}", timeout=30).json()
    assert len(detail["media"]) == 2
    for item in detail["media"]:
        response = requests.get(item["variants"][0]["url"], timeout=30)
        assert response.status_code == 200
        assert Image.open(io.BytesIO(response.content)).size[0] > 0


@pytest.mark.parametrize("viewport", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_staff_pages_show_public_and_premium_media_as_pictures(
        browser, live_backoffice, people, listing_factory, api, viewport):
    listing = listing_factory(title="Terraced villa in Sanepa")
    broker = people["broker"].actor
    upload_drawn(listing, broker, kind="photo", seed=7)
    upload_drawn(listing, broker, kind="drone", premium=True, seed=8)
    listing_act(actor=broker, listing_id=listing.listing_id, action=Action.SUBMIT)
    width, height = viewport
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        sign_in_with_new_totp(page, live_backoffice, people["admin"])
        page.goto(f"{live_backoffice}/admin/moderation/")
        assert_images_load(page, "img.cover-thumb", 1)
        shot(page, f"moderation-queue-{width}")
        page.goto(f"{live_backoffice}/admin/moderation/{listing.listing_id}/")
        assert_images_load(page, "img.thumb", 2)
        premium = page.eval_on_selector_all("img.thumb", "images => images.map(i => i.src)")
        assert sum("/premium/" in src and "Signature=" in src for src in premium) == 1
        shot(page, f"moderation-review-{width}")
        page.goto(f"{live_backoffice}/admin/listings/?status=pending_review")
        assert_images_load(page, "img.cover-thumb", 1)
        shot(page, f"admin-listings-{width}")
        page.goto(f"{live_backoffice}/admin/listings/{listing.listing_id}/")
        assert_images_load(page, "img.thumb", 2)
        shot(page, f"admin-listing-{width}")
    finally:
        context.close()


def test_a_broker_cannot_open_another_brokers_listing(page, live_backoffice, people, listing_factory):
    theirs = listing_factory(broker="other_broker", title="Someone else's bungalow")

    sign_in_with_new_totp(page, live_backoffice, people["broker"])
    response = page.goto(f"{live_backoffice}/broker/listings/{theirs.listing_id}/")

    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Not found")
    expect(page.locator("body")).not_to_contain_text("Someone else's bungalow")
    shot(page, "broker-other-listing-404")


def test_chromium_is_debians(chromium_path):
    assert shutil.which("chromium") == chromium_path
