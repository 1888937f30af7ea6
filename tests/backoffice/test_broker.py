"""Brokers: inventory, the property form (units, money, validation), lifecycle buttons, media slots,
leads; another broker's listing is a 404. Sellers: their own listings, read-only."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape

import pytest
import requests
from icalendar import Calendar

from marketplace import db, formatting, media_kinds, scheduler
from marketplace.entitlements import Entitlements
from marketplace.errors import ValidationError
from marketplace.lifecycle import Action
from marketplace.models import Inquiry, Listing, Media, ViewingRequest
from marketplace.selectors import reports
from marketplace.selectors.listings import INVENTORY_ATTRIBUTES, listing_get
from marketplace.selectors.media import media_for_listing
from marketplace.services.engagement import inquiry_create, listing_record_view
from marketplace.services.listings import listing_create, listing_update
from marketplace.services.media import media_replace_upload
from marketplace.services.people import seller_create
from marketplace.services.viewings import viewing_request
from tests.media_pipeline.helpers import upload_drawn
from tests.shared.lifecycle import listing_act
from tests.shared.listings import COMPLETE_HOUSE, add_photos
from tests.shared.pages import visible_text

FORM = {
    "title": "Three-storey villa in Sanepa", "description": "Quiet lane, garden, solar and backup power.",
    "property_type": "villa", "purpose": "sale", "price": "3.5 crore", "neighborhood": "sanepa",
    "latitude": "27.6847", "longitude": "85.3064", "land_area": "1-5-3", "land_unit": "terai",
    "built_up_area": "400", "built_up_unit": "sqm", "bedrooms": "5", "bathrooms": "4", "storeys": "2.5",
    "road_width_ft": "20", "facing": "S", "amenities": ["garden", "solar"],
}


def test_a_broker_creates_a_listing_with_terai_land_and_a_price_in_crore(signed_in, people):
    browser = signed_in("broker")

    response = browser.post("/broker/listings/new/", FORM)

    assert response.status_code == 302
    listing = listing_get(listing_id=response["Location"].split("/")[-2])
    assert listing.broker_id == people["broker"].user_id
    assert listing.status == "draft"
    assert listing.price == 35_000_000
    assert listing.land_area_sqft == Decimal(72900 + 5 * 3645 + 3 * 182.25)
    assert listing.built_up_area_sqft.quantize(Decimal("0.01")) == Decimal("4305.56")
    page = browser.get(response["Location"])
    assert "Rs 3,50,00,000 (Rs 3.5 crore)" in page.content.decode()


def test_form_errors_name_their_fields_and_nothing_is_saved(signed_in):
    browser = signed_in("broker")

    response = browser.post("/broker/listings/new/", {**FORM, "price": "lots", "land_area": "acres", "title": "Hi"})

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"price", "land_area", "title"}
    assert "cannot read 'lots' as rupees" in errors["price"][0]
    assert response.context["form"].data["title"] == "Hi"  # what was typed stays on the form
    assert browser.get("/broker/").context["counts"]["draft"] == 0


def test_inventory_counts_by_status_and_submit_and_withdraw_buttons(signed_in, listing_factory, people):
    listing = listing_factory()
    add_photos(people["broker"].actor, listing.listing_id)
    listing_factory(status="active")
    browser = signed_in("broker")

    inventory = browser.get("/broker/")
    page = browser.get(f"/broker/listings/{listing.listing_id}/")
    browser.post(f"/broker/listings/{listing.listing_id}/action/", {"action": "submit",
                                                                    "expected_version": listing.version})

    assert (inventory.context["counts"]["draft"], inventory.context["counts"]["active"]) == (1, 1)
    assert [t.action.value for t in page.context["actions"]] == ["submit"]
    assert listing_get(listing_id=listing.listing_id).status == "pending_review"


def test_the_inventory_reads_only_what_its_rows_show_of_each_listing(signed_in, listing_factory, dynamodb_calls):
    # Given an active listing and a draft with a long description (what the rows never show)
    active = listing_factory(status="active", price="4 crore")
    listing_factory(title="Garden flat in Sanepa", description="Quiet. " * 300)
    browser = signed_in("broker")
    dynamodb_calls.reset()

    # When the broker opens the inventory
    page = browser.get("/broker/", {"order": "price"})

    # Then each Query of their listings asks for the inventory's attributes alone
    desk = dynamodb_calls.asked("Query", Listing.broker_index.Meta.index_name)
    assert len(desk) == 2  # the inventory, and the active listings to confirm
    for asked in desk:
        names = {asked["ExpressionAttributeNames"][n.strip()] for n in asked["ProjectionExpression"].split(",")}
        assert names == set(INVENTORY_ATTRIBUTES)
    # and the rows still carry what they show: title, status, price, when last updated
    shown = {listing.listing_id: listing for listing in page.context["page"]}
    row = shown[active.listing_id]
    assert (row.title, row.status, row.price) == (active.title, "active", 40_000_000)
    assert row.updated_at == listing_get(listing_id=active.listing_id).updated_at
    assert {listing.title for listing in shown.values()} == {active.title, "Garden flat in Sanepa"}
    assert page.context["counts"]["active"] == 1 and page.context["counts"]["draft"] == 1


def test_submitting_an_incomplete_draft_names_what_is_missing(signed_in, listing_factory):
    listing = listing_factory(description="", bedrooms="")
    browser = signed_in("broker")

    response = browser.post(f"/broker/listings/{listing.listing_id}/action/",
                            {"action": "submit", "expected_version": listing.version}, follow=True)

    text = response.content.decode()
    assert "description" in text and "bedrooms" in text and "is required to submit" in text
    assert "at least 2 photos are required to submit" in text
    assert listing_get(listing_id=listing.listing_id).status == "draft"


def test_a_listed_listing_may_change_only_its_price(signed_in, listing_factory, people):
    # Given an active listing of the broker
    listing = listing_factory(status="active")
    browser = signed_in("broker")
    page = browser.get(f"/broker/listings/{listing.listing_id}/")
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, False)}
    data["expected_version"] = listing.version

    # Then its form offers only the price: every other field is shown disabled, none marked "to submit"
    assert {name for name, field in form.fields.items() if not field.disabled} == {"price", "price_on_request"}
    assert "to submit" not in visible_text(page.content)

    # When the broker changes the price, and then posts another title anyway
    price = browser.post(f"/broker/listings/{listing.listing_id}/", {**data, "price": "4 crore"})
    data["expected_version"] = listing_get(listing_id=listing.listing_id).version
    title = browser.post(f"/broker/listings/{listing.listing_id}/",
                         {**data, "price": "4 crore", "title": "Another title for it"})

    # Then the price changed and the title did not (a disabled field's posted value is ignored)
    assert (price.status_code, title.status_code) == (302, 302)
    stored = listing_get(listing_id=listing.listing_id)
    assert (stored.price, stored.title, stored.status) == (40_000_000, listing.title, "active")
    # and the domain itself refuses the title, naming the field by its label and the status in words
    with pytest.raises(ValidationError) as refused:
        listing_update(actor=people["broker"].actor, listing_id=listing.listing_id,
                       fields={"title": "Another title for it"}, expected_version=stored.version)
    assert refused.value.message == ("Title cannot change while the listing is active: withdraw it first, "
                                     "or change only the price")


def test_listing_form_marks_show_only_where_the_person_can_act_on_them(signed_in, listing_factory, people):
    # Given a draft, a listing under contract and a sold one of the broker
    draft = listing_factory()
    contracted, sold = listing_factory(status="active"), listing_factory(status="active")
    for listing, actions in ((contracted, (Action.MARK_UNDER_CONTRACT,)),
                             (sold, (Action.MARK_UNDER_CONTRACT, Action.CLOSE))):
        for action in actions:
            listing_act(actor=people["broker"].actor, listing_id=listing.listing_id, action=action)
    broker, admin = signed_in("broker"), signed_in("admin")

    # Then the broker's draft marks what saving and submitting need, and its legend explains both marks
    text = visible_text(broker.get(f"/broker/listings/{draft.listing_id}/").content)
    assert "* needed to save · to submit needed before it goes to review" in text
    assert text.count("to submit") > 5
    # and neither the listing under contract (only its price open) nor the sold one carries a mark or legend
    for listing in (contracted, sold):
        page = broker.get(f"/broker/listings/{listing.listing_id}/")
        assert "to submit" not in visible_text(page.content) and "needed to save" not in visible_text(page.content)
    # and an admin, who submits nothing, sees only what saving needs on the draft, nothing on the sold one
    text = visible_text(admin.get(f"/admin/listings/{draft.listing_id}/").content)
    assert "* needed to save" in text and "to submit" not in text
    assert "needed to save" not in visible_text(admin.get(f"/admin/listings/{sold.listing_id}/").content)


def test_a_broker_cannot_open_or_change_another_brokers_listing(signed_in, listing_factory):
    theirs = listing_factory(broker="other_broker")
    browser = signed_in("broker")

    assert browser.get(f"/broker/listings/{theirs.listing_id}/").status_code == 404
    assert browser.get(f"/broker/listings/{theirs.listing_id}/media/").status_code == 404
    assert browser.post(f"/broker/listings/{theirs.listing_id}/action/", {"action": "submit"}).status_code == 404
    assert browser.post(f"/broker/listings/{theirs.listing_id}/media/slot/", {}, content_type="application/json"
                        ).status_code == 404
    assert browser.get("/broker/listings/01nosuchlisting0000000000/").status_code == 404
    assert listing_get(listing_id=theirs.listing_id).status == "draft"


def test_an_upload_slot_is_a_presigned_post_into_the_raw_bucket(signed_in, listing_factory, platform):
    listing = listing_factory()
    browser = signed_in("broker")

    response = browser.post(f"/broker/listings/{listing.listing_id}/media/slot/",
                            {"kind": "photo", "content_type": "image/jpeg", "size": 2_000_000, "filename": "front.jpg"},
                            content_type="application/json")
    slot = response.json()
    upload = requests.post(slot["url"], data=slot["fields"], files={"file": ("front.jpg", b"\xff\xd8\xff" + b"0" * 64)},
                           timeout=10)

    assert response.status_code == 200
    assert platform.raw_bucket in slot["url"] or slot["fields"]["key"].startswith(listing.listing_id)
    assert upload.status_code in (200, 204)
    media = Media.get(*Media.key(listing.listing_id, slot["media"]["media_id"]))
    assert (media.kind, media.filename, media.uploaded_by) == ("photo", "front.jpg", listing.broker_id)


def test_replace_gives_a_new_slot_for_the_same_media_item(signed_in, listing_factory):
    # Given a media item whose upload slot was handed out
    listing = listing_factory()
    browser = signed_in("broker")
    slot_url = f"/broker/listings/{listing.listing_id}/media/slot/"
    first = browser.post(slot_url, {"kind": "photo", "content_type": "image/jpeg", "size": 1000, "filename": "a.jpg"},
                         content_type="application/json").json()
    media_id = first["media"]["media_id"]

    # When the broker replaces its file (the page's Replace button)
    response = browser.post(slot_url, {"media_id": media_id, "content_type": "image/png", "size": 2000,
                                       "filename": "b.png", "expected_version": first["media"]["version"]},
                            content_type="application/json")

    # Then the same item has a new slot of its own, and the item follows the new upload
    replaced = response.json()
    assert response.status_code == 200 and replaced["media"]["media_id"] == media_id
    assert replaced["fields"]["key"] != first["fields"]["key"]
    media = Media.get(*Media.key(listing.listing_id, media_id))
    assert (media.raw_key, media.filename, media.content_type) == (replaced["fields"]["key"], "b.png", "image/png")
    assert 'class="replace-file"' in browser.get(f"/broker/listings/{listing.listing_id}/").content.decode()


def shown_on(page: str, media_id: str, name: str) -> str:
    """The value a media item's form on the broker's page posts in ``name``."""
    item = page.split(f'data-media-id="{media_id}"')[1].split("</li>")[0]
    return item.split(f'name="{name}" value="')[1].split('"')[0]


def test_deleting_media_from_a_stale_page_is_refused_and_keeps_it(signed_in, listing_factory, people):
    # Given a photo as the broker's page showed it
    listing = listing_factory()
    broker = people["broker"].actor
    photo = upload_drawn(listing, broker, seed=1)
    browser = signed_in("broker")
    page = browser.get(f"/broker/listings/{listing.listing_id}/").content.decode()
    assert shown_on(page, photo.media_id, "media_version") == str(photo.version)
    # and its file replaced from another page meanwhile
    media_replace_upload(listing_id=listing.listing_id, media_id=photo.media_id, actor=broker,
                         content_type="image/jpeg", size=1000, filename="better.jpg", expected_version=photo.version)

    # When the broker deletes it from the first page
    url = f"/broker/listings/{listing.listing_id}/media/{photo.media_id}/"
    stale = browser.post(url, {"operation": "delete", "media_version": shown_on(page, photo.media_id, "media_version")},
                         follow=True)

    # Then they are told to reload and the item stays; from a fresh page it goes
    assert "This media item was changed by someone else since you opened it; reload" in stale.content.decode()
    assert [m.media_id for m in media_for_listing(listing_id=listing.listing_id)] == [photo.media_id]
    fresh = browser.get(f"/broker/listings/{listing.listing_id}/").content.decode()
    browser.post(url, {"operation": "delete", "media_version": shown_on(fresh, photo.media_id, "media_version")})
    assert media_for_listing(listing_id=listing.listing_id) == []


def test_moving_media_from_a_stale_page_is_refused_and_keeps_the_order(signed_in, listing_factory, people):
    # Given two photos in the order the broker's page showed
    listing = listing_factory()
    broker = people["broker"].actor
    first, second = upload_drawn(listing, broker, seed=1), upload_drawn(listing, broker, seed=2)
    browser = signed_in("broker")
    page = browser.get(f"/broker/listings/{listing.listing_id}/").content.decode()
    shown = shown_on(page, second.media_id, "shown")
    assert shown == f"{first.media_id}:{first.version},{second.media_id}:{second.version}"
    url = f"/broker/listings/{listing.listing_id}/media/{second.media_id}/"
    # and moved from another page with the same view meanwhile
    browser.post(url, {"operation": "up", "shown": shown})
    assert [m.media_id for m in media_for_listing(listing_id=listing.listing_id)] == [second.media_id, first.media_id]

    # When the broker moves the first photo down from the first page
    stale = browser.post(f"/broker/listings/{listing.listing_id}/media/{first.media_id}/",
                         {"operation": "down", "shown": shown}, follow=True)

    # Then they are told to reload, and the order stays the other page's
    assert "This listing's media was changed by someone else since you opened it; reload" in unescape(
        stale.content.decode())
    assert [m.media_id for m in media_for_listing(listing_id=listing.listing_id)] == [second.media_id, first.media_id]


def test_a_replacement_slot_from_a_stale_page_is_refused(signed_in, listing_factory):
    # Given a media item whose file was replaced from another page
    listing = listing_factory()
    browser = signed_in("broker")
    slot_url = f"/broker/listings/{listing.listing_id}/media/slot/"
    first = browser.post(slot_url, {"kind": "photo", "content_type": "image/jpeg", "size": 1000, "filename": "a.jpg"},
                         content_type="application/json").json()["media"]
    replacement = {"media_id": first["media_id"], "content_type": "image/jpeg", "size": 1000, "filename": "b.jpg"}
    other = browser.post(slot_url, {**replacement, "expected_version": first["version"]},
                         content_type="application/json").json()

    # When the first page asks for a replacement slot at the version it showed, or at none
    stale = browser.post(slot_url, {**replacement, "expected_version": first["version"]},
                         content_type="application/json")
    unversioned = browser.post(slot_url, replacement, content_type="application/json")

    # Then both are refused naming the version, and the item keeps the other page's upload
    assert stale.status_code == 409 and stale.json()["error"]["field"] == "expected_version"
    assert "reload" in stale.json()["error"]["message"]
    assert unversioned.status_code == 400 and unversioned.json()["error"]["field"] == "expected_version"
    assert Media.get(*Media.key(listing.listing_id, first["media_id"])).raw_key == other["fields"]["key"]


def test_media_stuck_in_processing_past_its_deadline_offers_retry(signed_in, listing_factory):
    # Given a media item processing within its deadline, and one stuck past it
    listing = listing_factory()
    now = datetime.now(UTC)
    for media_id, deadline in (("01fine", now + timedelta(minutes=20)), ("01stuck", now - timedelta(minutes=1))):
        db.save(Media(media_id=media_id, listing_id=listing.listing_id, kind="photo", state="processing",
                      raw_version="v1", deadline=deadline, filename=f"{media_id}.jpg"))

    # When the broker opens the listing
    page = signed_in("broker").get(f"/broker/listings/{listing.listing_id}/").content.decode()

    # Then only the stuck one has a Retry button
    items = {media_id: page.split(f'data-media-id="{media_id}"')[1].split("</li>")[0] for media_id in ("01fine", "01stuck")}
    assert 'value="retry"' in items["01stuck"] and 'value="retry"' not in items["01fine"]


def test_a_slot_for_a_wrong_type_names_the_field(signed_in, listing_factory):
    listing = listing_factory()
    browser = signed_in("broker")

    response = browser.post(f"/broker/listings/{listing.listing_id}/media/slot/",
                            {"kind": "photo", "content_type": "application/pdf", "size": 1000, "filename": "a.pdf"},
                            content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "content_type"


def test_the_upload_form_accepts_the_types_the_media_kinds_take(signed_in, listing_factory, monkeypatch):
    # Given the media kinds' rules, with video taking one more type than it does today
    video = media_kinds.KINDS[media_kinds.MediaKind.VIDEO]
    monkeypatch.setitem(media_kinds.KINDS, media_kinds.MediaKind.VIDEO,
                        dataclasses.replace(video, content_types=(*video.content_types, "video/webm")))
    listing = listing_factory()

    # When the broker opens the listing's page
    text = signed_in("broker").get(f"/broker/listings/{listing.listing_id}/").content.decode()

    # Then the file picker accepts every type of every kind, the new one too, each once
    accepted = re.search(r'id="media-files" type="file" multiple accept="([^"]*)"', text).group(1).split(",")
    assert accepted == ["image/jpeg", "image/png", "image/webp", "video/mp4", "video/quicktime", "video/webm"]


def test_leads_newest_first_and_a_contacted_lead_leaves_the_new_ones(signed_in, listing_factory, people):
    listing = listing_factory(status="active")
    buyer = people["buyer"].actor
    first, _ = inquiry_create(actor=buyer, listing_id=listing.listing_id, entitlements=Entitlements(),
                              idempotency_key="first-inquiry-1", name="Sita Sharma", phone="+977 9841000000",
                              message="Is the price negotiable?")
    second, _ = inquiry_create(actor=buyer, listing_id=listing.listing_id, entitlements=Entitlements(),
                               idempotency_key="second-inquiry-2", name="Sita Sharma", phone="+977 9841000000",
                               message="Can I visit on Saturday morning?")
    browser = signed_in("broker")

    leads = browser.get("/broker/leads/")
    browser.post(f"/broker/leads/{listing.listing_id}/{second.inquiry_id}/state/",
                 {"state": "contacted", "expected_version": second.version})
    after = browser.get("/broker/leads/")

    assert [i.inquiry_id for i in leads.context["page"].items] == [second.inquiry_id, first.inquiry_id]
    assert [i.inquiry_id for i in after.context["page"].items] == [first.inquiry_id]


def test_another_broker_cannot_move_a_lead(signed_in, listing_factory, people):
    listing = listing_factory(status="active")
    inquiry, _ = inquiry_create(actor=people["buyer"].actor, listing_id=listing.listing_id, entitlements=Entitlements(),
                                idempotency_key="only-inquiry-1", name="Ram Thapa", email="ram@example.com",
                                message="Please call me about this house.")
    browser = signed_in("other_broker")

    response = browser.post(f"/broker/leads/{listing.listing_id}/{inquiry.inquiry_id}/state/",
                            {"state": "contacted", "expected_version": inquiry.version})

    # Then the lead is not found for them, and it stays new
    assert response.status_code == 404
    assert Inquiry.get_or_not_found(listing.listing_id, inquiry.inquiry_id).status == "new"


def test_analytics_lists_my_listings(signed_in, listing_factory):
    listing = listing_factory(status="active")
    browser = signed_in("broker")

    response = browser.get("/broker/analytics/")

    assert [(r["listing"].listing_id, r["views"], r["inquiries"]) for r in response.context["rows"]] == [
        (listing.listing_id, 0, 0)]
    assert "No views in the last 30 days yet. Below, your latest listings" in visible_text(response.content)


def _page_calls(browser, path: str, dynamodb_calls) -> dict[str, int]:
    """The DynamoDB calls of one request to a page (after a first request, so the connection is made)."""
    browser.get(path)
    dynamodb_calls.reset()
    response = browser.get(path)
    assert response.status_code == 200
    return dynamodb_calls.count()


def _viewed_listings(people, count: int, **fields) -> list[str]:
    """``count`` of the broker's drafts, the n-th viewed n + 1 times today, and the day rolled up."""
    made = [listing_create(actor=people["broker"].actor, fields={**COMPLETE_HOUSE, **fields}).listing_id
            for _ in range(count)]
    for n, listing_id in enumerate(made):
        for _ in range(n + 1):
            listing_record_view(listing_id=listing_id)
    scheduler.tick()
    return made


def test_analytics_costs_no_more_dynamodb_calls_with_more_listings(signed_in, people, dynamodb_calls):
    # Given a broker with three listings viewed this month
    browser = signed_in("broker")
    few_listings = _viewed_listings(people, 3)
    few = _page_calls(browser, "/broker/analytics/", dynamodb_calls)

    # When they have 24 more viewed listings
    many_listings = _viewed_listings(people, 24)
    many = _page_calls(browser, "/broker/analytics/", dynamodb_calls)
    response = browser.get("/broker/analytics/")

    # Then the page makes no more calls (the broker's days of views: one Query; the 20 most viewed: one
    # BatchGet of listings, one of their totals; price moves and leads: a Query each; the session: a GetItem;
    # the broker's verified flag: a BatchGet), and shows the 20 most viewed, most viewed first, with the
    # views of all
    assert many == {"GetItem": 1, "Query": 3, "BatchGetItem": 3}
    assert few == {**many, "Query": 4}  # fewer than 20 viewed: the latest others fill the table (one Query)
    rows = response.context["rows"]
    assert [r["listing"].listing_id for r in rows] == list(reversed(many_listings))[:reports.TOP_LISTINGS]
    assert rows[0]["views"] == 24
    assert response.context["views"] == {"total": sum(range(1, 4)) + sum(range(1, 25)), "listings": 27}
    assert "views of 27 listings in the last 30 days. Below, the 20 most viewed" in visible_text(response.content)
    assert len(few_listings) + len(many_listings) > reports.TOP_LISTINGS


def test_a_sellers_home_costs_the_same_dynamodb_calls_for_few_listings_and_many(signed_in, people, dynamodb_calls):
    # Given a seller with two listings, viewed this month
    seller = seller_create(actor=people["broker"].actor, name="Kiran Joshi", seller_id=people["seller"].user_id)
    browser = signed_in("seller")
    first = _viewed_listings(people, 2, seller_id=seller.seller_id)
    few = _page_calls(browser, "/seller/", dynamodb_calls)

    # When they have ten more
    more = _viewed_listings(people, 10, seller_id=seller.seller_id)
    many = _page_calls(browser, "/seller/", dynamodb_calls)
    response = browser.get("/seller/")

    # Then the calls are the same, and each listing shows its own views
    assert many == few
    viewed = {listing_id: n + 1 for made in (first, more) for n, listing_id in enumerate(made)}
    assert {r["listing"].listing_id: r["views"] for r in response.context["rows"]} == viewed


def test_a_seller_sees_only_their_listings_with_reasons(signed_in, listing_factory, people):
    seller = seller_create(actor=people["broker"].actor, name="Kiran Joshi", seller_id=people["seller"].user_id)
    mine = listing_factory(status="pending_review", seller_id=seller.seller_id)
    listing_factory(status="active")
    listing_act(actor=people["admin"].actor, listing_id=mine.listing_id, action="reject",
                reason="The photos show another house")
    browser = signed_in("seller")

    response = browser.get("/seller/")

    assert [r["listing"].listing_id for r in response.context["rows"]] == [mine.listing_id]
    assert "The photos show another house" in response.content.decode()
    assert browser.get("/broker/").status_code == 403


def test_an_action_from_a_stale_page_is_refused_and_changes_nothing(signed_in, listing_factory, people):
    # Given a broker's page of a listing waiting for review, and an admin who featured it meanwhile
    listing = listing_factory(status="pending_review")
    listing_act(actor=people["admin"].actor, listing_id=listing.listing_id, action="feature")
    browser = signed_in("broker")

    # When the broker withdraws it from the page they opened
    response = browser.post(f"/broker/listings/{listing.listing_id}/action/",
                            {"action": "withdraw", "expected_version": listing.version}, follow=True)

    # Then they are told to reload, and the listing is still waiting for review
    assert "This listing was changed by someone else" in response.content.decode()
    assert "expected_version" not in visible_text(response.content)
    assert listing_get(listing_id=listing.listing_id).status == "pending_review"


def test_making_a_photo_the_cover_from_a_stale_page_is_refused(api, signed_in, listing_factory, people):
    # Given a listing with two photos (the first is the cover), as the broker's page showed it
    listing = listing_factory()
    broker = people["broker"].actor
    first = upload_drawn(listing, broker, seed=1)
    second = upload_drawn(listing, broker, seed=2)
    browser = signed_in("broker")
    page = browser.get(f"/broker/listings/{listing.listing_id}/")
    shown = page.context["listing"].version
    assert f'name="expected_version" value="{shown}"' in page.content.decode()
    # and the listing changed meanwhile
    listing_update(actor=broker, listing_id=listing.listing_id, fields={"title": "Villa with a garden"},
                   expected_version=shown)

    # When the broker makes the second photo the cover from that page
    stale = browser.post(f"/broker/listings/{listing.listing_id}/media/{second.media_id}/",
                         {"operation": "cover", "expected_version": shown}, follow=True)

    # Then it is refused and the cover stays; from a fresh page it is taken
    assert "changed by someone else" in stale.content.decode()
    assert listing_get(listing_id=listing.listing_id).cover.media_id == first.media_id
    browser.post(f"/broker/listings/{listing.listing_id}/media/{second.media_id}/",
                 {"operation": "cover", "expected_version": shown + 1})
    assert listing_get(listing_id=listing.listing_id).cover.media_id == second.media_id


def test_photos_processed_after_the_page_opened_leave_it_good_for_cover_and_submit(api, signed_in, listing_factory,
                                                                                   people):
    # Given the broker's page of a draft, opened before its photos were uploaded and processed
    listing = listing_factory()
    browser = signed_in("broker")
    shown = browser.get(f"/broker/listings/{listing.listing_id}/").context["listing"].version
    first = upload_drawn(listing, people["broker"].actor, seed=1)
    second = upload_drawn(listing, people["broker"].actor, seed=2)
    assert listing_get(listing_id=listing.listing_id).cover.media_id == first.media_id

    # When they make the second photo the cover from that page, then submit from the page it reloads to
    cover = browser.post(f"/broker/listings/{listing.listing_id}/media/{second.media_id}/",
                         {"operation": "cover", "expected_version": shown}, follow=True)
    upload_drawn(listing, people["broker"].actor, seed=3)  # and a third photo finishes meanwhile
    browser.post(f"/broker/listings/{listing.listing_id}/action/",
                 {"action": "submit", "expected_version": cover.context["listing"].version})

    # Then both were taken: nobody else changed the listing
    assert "changed by someone else" not in cover.content.decode()
    stored = listing_get(listing_id=listing.listing_id)
    assert (stored.cover.media_id, stored.ready_photos, stored.status) == (second.media_id, 3, "pending_review")


def test_a_price_cut_shows_in_the_listing_history_and_in_analytics(signed_in, listing_factory, people):
    # given an active listing at 4.5 crore that its broker cuts to 4 crore through the form
    listing = listing_factory(status="active")
    browser = signed_in("broker")
    initial = browser.get(f"/broker/listings/{listing.listing_id}/").context["form"].initial
    data = {k: v for k, v in initial.items() if v not in (None, False)}
    browser.post(f"/broker/listings/{listing.listing_id}/", {**data, "expected_version": listing.version,
                                                             "price": "4 crore"})
    # when the broker opens the listing and the analytics
    page = browser.get(f"/broker/listings/{listing.listing_id}/").content.decode()
    analytics = browser.get("/broker/analytics/")
    # then the history lists the listing and the cut, with both prices, and analytics sum it up
    history = page[page.index('id="price-history"'):]
    assert history.index("Listed") < history.index("Price changed")
    assert "Rs 4,00,00,000 (Rs 4 crore)" in history and "Rs 4,50,00,000 (Rs 4.5 crore)" in history
    assert "−11.1%" in history
    assert [r["price_move"].words for r in analytics.context["rows"]] == ["reduced 11.1% after 0 days"]
    assert "reduced 11.1% after 0 days" in analytics.content.decode()


def test_a_broker_confirms_a_viewing_and_downloads_the_invitation(signed_in, listing_factory, people):
    # given a buyer's request with two proposed times
    listing = listing_factory(status="active")
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    slots = [start, start + timedelta(hours=3)]
    viewing = viewing_request(actor=people["buyer"].actor, listing_id=listing.listing_id,
                              entitlements=Entitlements(), slots=slots, name="Sita Rai", email="sita@example.np",
                              phone="+9779801234567")
    browser = signed_in("broker")
    page = browser.get("/broker/viewings/").content.decode()
    assert "Sita Rai" in page and 'href="tel:+9779801234567"' in page
    # when the broker confirms the second time
    response = browser.post(f"/broker/viewings/{listing.listing_id}/{viewing.viewing_id}/confirm/",
                            {"start": slots[1].isoformat(), "expected_version": viewing.version})
    # then it is confirmed, the page marks that time with the state's badge, and the invitation is a calendar
    # event at that time
    assert response.status_code == 302
    times = browser.get("/broker/viewings/").content.decode().split("<ul>")[1].split("</ul>")[0]
    assert times.count("<li>") == 2
    marked = next(item for item in times.split("<li>") if formatting.moment(slots[1]) in item)
    assert '<span class="badge ok">Confirmed</span>' in marked and "confirmed<" not in times
    ics = browser.get(f"/broker/viewings/{listing.listing_id}/{viewing.viewing_id}/invitation.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    event = next(iter(Calendar.from_ical(ics.content).walk("VEVENT")))
    assert event.decoded("DTSTART") == slots[1]
    assert str(event["ATTENDEE"]) == "mailto:sita@example.np"
    # and another broker cannot open it
    assert signed_in("other_broker").get(
        f"/broker/viewings/{listing.listing_id}/{viewing.viewing_id}/invitation.ics").status_code == 404


def test_a_broker_declines_a_viewing_with_a_reason(signed_in, listing_factory, people):
    # given a buyer's request
    listing = listing_factory(status="active")
    viewing = viewing_request(actor=people["buyer"].actor, listing_id=listing.listing_id, entitlements=Entitlements(),
                              slots=[datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)], name="Sita Rai")
    browser = signed_in("broker")
    url = f"/broker/viewings/{listing.listing_id}/{viewing.viewing_id}/decline/"
    assert url in browser.get("/broker/viewings/").content.decode()
    # when the broker declines without a reason, then nothing changes and the reason is asked for
    browser.post(url, {"reason": "", "expected_version": viewing.version})
    assert ViewingRequest.get_or_not_found(listing.listing_id, viewing.viewing_id, consistent=True).state == "requested"
    # when they decline with one, then the request is declined and the page shows the reason
    response = browser.post(url, {"reason": "The owners are abroad until January", "expected_version": viewing.version})
    assert response.status_code == 302
    stored = ViewingRequest.get_or_not_found(listing.listing_id, viewing.viewing_id, consistent=True)
    assert (stored.state, stored.reason) == ("declined", "The owners are abroad until January")
    page = browser.get("/broker/viewings/").content.decode()
    assert "The owners are abroad until January" in page and url not in page


def test_a_lead_shows_links_moves_along_and_counts_the_first_answer(signed_in, listing_factory, people):
    # given a lead with a phone number, and the buyer's viewing request on the same listing
    listing = listing_factory(status="active")
    buyer = people["buyer"].actor
    inquiry, _ = inquiry_create(actor=buyer, listing_id=listing.listing_id, entitlements=Entitlements(),
                                idempotency_key=None, name="Sita Rai", phone="9801234567", email="sita@example.np",
                                message="Can I see it on Saturday?")
    viewing_request(actor=buyer, listing_id=listing.listing_id, entitlements=Entitlements(),
                    slots=[datetime.now(UTC) + timedelta(days=3)], email="sita@example.np")
    browser = signed_in("broker")
    page = browser.get("/broker/leads/?state=any").content.decode()
    assert 'href="tel:+9779801234567"' in page and 'href="https://wa.me/9779801234567"' in page
    assert 'href="mailto:sita@example.np' in page and "Viewing: waiting for an answer" in page
    # when the broker marks it contacted, then viewing
    for state in ("contacted", "viewing"):
        version = Inquiry.get_or_not_found(listing.listing_id, inquiry.inquiry_id, consistent=True).version
        browser.post(f"/broker/leads/{listing.listing_id}/{inquiry.inquiry_id}/state/",
                     {"state": state, "expected_version": version})
    # then it is at the viewing stage and the broker's first answer is counted in analytics
    assert Inquiry.get_or_not_found(listing.listing_id, inquiry.inquiry_id, consistent=True).status == "viewing"
    analytics = browser.get("/broker/analytics/")
    assert analytics.context["first_answer"]["answered"] == 1
    assert analytics.context["first_answer"]["median"].endswith("min")
