"""The back office's frame, through Django's test client: the icon, the navigation that marks where a person
is, error pages with a way back, the unverified broker's note, the gallery's lightbox, the moderator's next
listing after a decision, and a broker's drag-and-drop order."""

from __future__ import annotations

import re

from django.test import Client

from marketplace.entitlements import Entitlements
from marketplace.models import BrokerProfile
from marketplace.selectors.listings import listing_get
from marketplace.selectors.media import media_for_listing
from marketplace.services import people as people_services
from marketplace.services.engagement import inquiry_create
from tests.media_pipeline.helpers import upload_drawn
from tests.shared.lifecycle import listing_act


def _current_nav(html: str) -> list[str]:
    return re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', html)


def test_every_page_names_the_icon_and_favicon_ico_leads_to_it(signed_in):
    # Given a signed-in admin and a visitor
    admin = signed_in("admin")

    # When they open a page, the sign-in page and /favicon.ico
    pages = [admin.get("/admin/").content.decode(), Client().get("/login/").content.decode()]
    redirect = Client().get("/favicon.ico")

    # Then each page links the icon, /favicon.ico points at it, and the icon is served
    icon = re.search(r'<link rel="icon" href="([^"]+)"', pages[0]).group(1)
    assert all(f'<link rel="icon" href="{icon}"' in page for page in pages)
    assert redirect.status_code == 301 and redirect["Location"] == icon
    served = Client().get(icon)
    assert served.status_code == 200
    assert b"<svg" in b"".join(served.streaming_content if served.streaming else [served.content])


def test_the_navigation_marks_the_section_of_the_page(signed_in, listing_factory):
    pending = listing_factory(status="pending_review")
    admin = signed_in("admin")

    assert _current_nav(admin.get("/admin/").content.decode()) == ["Dashboard"]
    assert _current_nav(admin.get(f"/admin/moderation/{pending.listing_id}/").content.decode()) == ["Moderation"]
    assert _current_nav(admin.get("/admin/listings/").content.decode()) == ["Listings"]
    assert _current_nav(signed_in("broker").get("/broker/leads/").content.decode()) == ["Leads"]


def test_a_page_of_another_role_is_a_styled_403_with_a_way_back(signed_in):
    seller = signed_in("seller")

    response = seller.get("/admin/")

    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>Not allowed</h1>" in html
    assert 'href="/"' in html and "Back to the start" in html and 'href="/login/"' in html
    assert 'rel="stylesheet"' in html and "My properties" in html  # the site's frame, with the seller's own nav


def test_an_unknown_address_is_a_styled_404_with_a_way_back(signed_in):
    response = signed_in("broker").get("/no/such/page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Not found</h1>" in html and "Back to the start" in html and 'rel="stylesheet"' in html


def test_an_unverified_broker_is_told_what_it_means_until_verified(signed_in, people):
    # Given a broker whose licence is not verified yet
    broker = signed_in("broker")
    before = broker.get("/broker/").content.decode()

    # When an admin verifies the licence
    people_services.broker_verify(actor=people["admin"].actor, broker_id=people["broker"].user_id, verified=True,
                                  expected_version=BrokerProfile.get_or_not_found(people["broker"].user_id).version)
    after = broker.get("/broker/").content.decode()

    # Then the note showed on the broker's pages before, saying what it means and what to do, and not after
    assert 'id="unverified-banner"' in before
    assert "not verified yet" in before and "You can still prepare, submit and publish" in before
    assert 'id="unverified-banner"' not in after
    assert 'id="unverified-banner"' not in signed_in("admin").get("/admin/").content.decode()


def test_review_thumbnails_open_a_larger_picture_in_the_lightbox(api, signed_in, listing_factory, people):
    # Given a pending listing with a photo
    listing = listing_factory()
    upload_drawn(listing, people["broker"].actor, seed=3)

    # When an admin opens its review page
    html = signed_in("admin").get(f"/admin/moderation/{listing.listing_id}/").content.decode()

    # Then the thumbnail is a button (keyboard-reachable) naming a larger variant than the thumbnail
    button = re.search(r'<button type="button" class="zoom" data-full="([^"]+)"[^>]*>\s*<img class="thumb" src="([^"]+)"',
                       html)
    assert button, html[html.find("media-grid"):][:800]
    full, thumb = button.groups()
    assert full != thumb and "w1024" in full and "w400" in thumb


def test_after_a_decision_the_moderator_is_taken_to_the_next_listing_waiting(signed_in, listing_factory):
    # Given two listings waiting for review, the first waiting longer
    first = listing_factory(status="pending_review", title="First villa")
    second = listing_factory(status="pending_review", title="Second villa")
    admin = signed_in("admin")

    # When the admin approves the first
    response = admin.post(f"/admin/moderation/{first.listing_id}/",
                          {"action": "approve", "expected_version": listing_get(listing_id=first.listing_id).version})

    # Then the second's review page opens, and after deciding that one, the (empty) queue
    assert response.status_code == 302 and response["Location"] == f"/admin/moderation/{second.listing_id}/"
    last = admin.post(f"/admin/moderation/{second.listing_id}/",
                      {"action": "approve", "expected_version": listing_get(listing_id=second.listing_id).version},
                      follow=True)
    assert last.redirect_chain[-1][0] == "/admin/moderation/"
    assert "Nothing else waits for review." in last.content.decode()


def test_a_broker_saves_a_dragged_order_of_the_media(api, signed_in, listing_factory, people):
    # Given a listing with three photos
    listing = listing_factory()
    broker = people["broker"].actor
    ids = [upload_drawn(listing, broker, seed=seed).media_id for seed in (1, 2, 3)]
    browser = signed_in("broker")
    shown = browser.get(f"/broker/listings/{listing.listing_id}/").context["shown_order"]

    # When the broker drops the last photo first (the page posts the whole order)
    wanted = [ids[2], ids[0], ids[1]]
    response = browser.post(f"/broker/listings/{listing.listing_id}/media/{ids[2]}/",
                            {"operation": "reorder", "media_ids": ",".join(wanted), "shown": shown}, follow=True)

    # Then that order is stored; an order that leaves one out is refused, naming the field
    assert [m.media_id for m in media_for_listing(listing_id=listing.listing_id, consistent=True)] == wanted
    assert "Order saved" in response.content.decode()
    shown = browser.get(f"/broker/listings/{listing.listing_id}/").context["shown_order"]
    partial = browser.post(f"/broker/listings/{listing.listing_id}/media/{ids[2]}/",
                           {"operation": "reorder", "media_ids": ",".join(wanted[:2]), "shown": shown}, follow=True)
    assert "must list every media item" in partial.content.decode()
    # and a drop from a page opened before the last change is refused too
    stale = browser.post(f"/broker/listings/{listing.listing_id}/media/{ids[2]}/",
                         {"operation": "reorder", "media_ids": ",".join(ids), "shown": f"{ids[0]}:1,{ids[1]}:1,{ids[2]}:1"},
                         follow=True)
    assert "reload" in stale.content.decode()
    assert [m.media_id for m in media_for_listing(listing_id=listing.listing_id, consistent=True)] == wanted


def test_the_listing_form_is_in_sections_with_related_fields_side_by_side_and_required_marks(signed_in):
    html = signed_in("broker").get("/broker/listings/new/").content.decode()

    # Every input of the form appears once, inside a section
    form = html[html.index('class="listing-sections"'):]
    form = form[:form.index("</form>")]
    names = re.findall(r'<(?:input|select|textarea)[^>]* name="([a-z_]+)"', form)
    fields = [n for n in names if n not in ("csrfmiddlewaretoken", "expected_version")]
    assert "title" in fields and "seller_id" in fields and "amenities" in fields
    assert len({n for n in fields if n not in ("amenities", "documents")}) == len(
        [n for n in fields if n not in ("amenities", "documents")])
    sections = re.findall(r'<fieldset class="section"><legend>([^<]+)</legend>(.*?)</fieldset>', form, re.DOTALL)
    assert [title for title, _ in sections][:3] == ["The property", "Price", "Location"]
    assert sum(body.count('name="title"') for _, body in sections) == 1

    # Related fields share one row; fields needed to save are marked and announced as required
    pairs = re.findall(r'<div class="pair">(.*?)</div>\s*</div>\s*(?=<)', form, re.DOTALL)
    assert any('name="latitude"' in p and 'name="longitude"' in p for p in pairs)
    assert any('name="land_area"' in p and 'name="land_unit"' in p for p in pairs)
    title_field = re.search(r'<label for="id_title">(.*?)</label>', form).group(1)
    assert 'class="required-mark"' in title_field
    assert 'aria-required="true"' in re.search(r'<input[^>]*name="title"[^>]*>', form).group(0)
    assert "to submit" in re.search(r'<label for="id_description">(.*?)</label>', form).group(1)
    assert 'class="required-mark"' not in re.search(r'<label for="id_address">(.*?)</label>', form).group(1)


def test_the_map_is_drawn_offline_over_the_coordinates_the_form_accepts(signed_in):
    html = signed_in("broker").get("/broker/listings/new/").content.decode()

    svg = re.search(r'<div class="map" id="valley-map".*?</svg>', html, re.DOTALL).group(0)
    assert 'data-west="85.15" data-east="85.55" data-south="27.55" data-north="27.85"' in svg
    assert '<polygon class="valley"' in svg and "Bhaisepati" in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing fetched from elsewhere


def test_leads_show_each_listings_cover_from_one_batch_read(api, signed_in, listing_factory, people, dynamodb_calls):
    # Given two listed listings with photos, each with an inquiry
    buyer = people["buyer"].actor
    listings = []
    for n, seeds in enumerate(((1, 2), (3, 4))):
        listing = listing_factory()
        for seed in seeds:
            upload_drawn(listing, people["broker"].actor, seed=seed)
        listing_act(actor=people["broker"].actor, listing_id=listing.listing_id, action="submit")
        listing_act(actor=people["admin"].actor, listing_id=listing.listing_id, action="approve")
        inquiry_create(actor=buyer, listing_id=listing.listing_id, entitlements=Entitlements(),
                       idempotency_key=f"lead-cover-{n}", name="Sita Sharma", phone="+977 9841000000",
                       message="Can I visit?")
        listings.append(listing_get(listing_id=listing.listing_id))
    browser = signed_in("broker")

    # When the broker opens the leads
    dynamodb_calls.reset()
    html = browser.get("/broker/leads/").content.decode()

    # Then each row shows its listing's cover, read in one BatchGetItem for the page: the page costs the
    # session, the leads' Query and their COUNT (the list's total), the broker's viewing requests' Query,
    # the covers and the broker's own profile (the verification note)
    for listing in listings:
        assert f'alt="cover of {listing.title}"' in html
        assert listing.cover.variants["w400_webp"]["key"] in html
    assert sorted(dynamodb_calls.operations) == ["BatchGetItem", "BatchGetItem", "GetItem", "Query", "Query", "Query"]


def test_the_first_upload_on_a_new_listing_saves_the_draft_from_the_typed_form(signed_in, people):
    browser = signed_in("broker")
    typed = {"title": "Villa with a pond in Budhanilkantha", "property_type": "house", "neighborhood": "budhanilkantha",
             "purpose": "sale", "land_unit": "hill", "built_up_unit": "sqft", "land_area": "0-8-0-0"}

    # When the page asks to save the draft before its first upload, with too little typed
    refused = browser.post("/broker/listings/new/", {**typed, "title": ""}, HTTP_ACCEPT="application/json")
    # and then with what a draft needs
    saved = browser.post("/broker/listings/new/", typed, HTTP_ACCEPT="application/json")

    # Then the first is refused naming the field, nothing saved; the second is the draft, with what was typed,
    # and the page learns where the files go
    assert refused.status_code == 400 and "title" in refused.json()["error"]["errors"]
    assert saved.status_code == 201
    body = saved.json()
    draft = listing_get(listing_id=body["listing_id"])
    assert (draft.title, draft.status, draft.broker_id) == (typed["title"], "draft", people["broker"].user_id)
    assert body["slot_url"] == f"/broker/listings/{draft.listing_id}/media/slot/"
    assert body["edit_url"] == f"/broker/listings/{draft.listing_id}/"
    assert browser.get("/broker/").context["counts"].get("draft") == 1
