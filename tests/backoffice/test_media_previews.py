"""The back office shows media as pictures: covers in the queue and the inventories, thumbnails on the
review, listing and edit pages; public media through the local media edge's /media path, premium media only as
signed URLs and only to admins and the listing's broker. Every image URL is fetched and decoded."""

from __future__ import annotations

import html
import io
import re
from urllib.parse import urlsplit

import pytest
import requests
from PIL import Image

from backoffice.previews import media_preview
from marketplace.lifecycle import Action
from marketplace.selectors.listings import listing_get
from tests.media_pipeline.helpers import upload_drawn
from tests.shared.lifecycle import listing_act

IMG = re.compile(r'<img class="(thumb|cover-thumb)" src="([^"]+)"')


@pytest.fixture
def pending(api, people, listing_factory):
    """A listing waiting for review with a public photo (its cover) and a drone shot marked premium."""
    listing = listing_factory(title="Villa with a view")
    broker = people["broker"].actor
    photo = upload_drawn(listing, broker, kind="photo", seed=4)
    drone = upload_drawn(listing, broker, kind="drone", premium=True, seed=5)
    listing_act(actor=broker, listing_id=listing.listing_id, action=Action.SUBMIT)
    return {"listing": listing_get(listing_id=listing.listing_id), "photo": photo, "drone": drone, "edge": api}


def images(response) -> dict[str, list[str]]:
    assert response.status_code == 200
    found: dict[str, list[str]] = {}
    for css, src in IMG.findall(response.content.decode()):
        found.setdefault(css, []).append(html.unescape(src))
    return found


def assert_picture(url: str) -> None:
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, (url, response.text[:200])
    picture = Image.open(io.BytesIO(response.content))
    picture.load()
    assert picture.width > 0


def test_the_queue_and_both_inventories_show_the_cover(signed_in, pending):
    edge = pending["edge"]
    admin, broker = signed_in("admin"), signed_in("broker")

    for path, client_ in (("/admin/moderation/", admin), ("/admin/listings/?status=pending_review", admin), ("/broker/", broker)):
        page = client_.get(path)
        assert "cover-thumb" in images(page), path
        (cover,) = images(page)["cover-thumb"]
        assert cover.startswith(f"{edge}/media/listings/{pending['listing'].listing_id}/{pending['photo'].media_id}/")
        assert_picture(cover)


def test_an_admin_sees_public_and_premium_media_on_the_review_and_listing_pages(signed_in, pending):
    edge, listing = pending["edge"], pending["listing"]
    admin = signed_in("admin")

    for path in (f"/admin/moderation/{listing.listing_id}/", f"/admin/listings/{listing.listing_id}/"):
        thumbs = images(admin.get(path))["thumb"]
        public = [u for u in thumbs if u.startswith(f"{edge}/media/")]
        premium = [u for u in thumbs if u.startswith(f"{edge}/premium/")]
        assert len(public) == len(premium) == 1
        assert "Signature=" in premium[0] and pending["drone"].media_id in premium[0]
        for url in thumbs:
            assert_picture(url)
        assert requests.get(premium[0].split("?")[0], timeout=10).status_code == 403  # never without a signature


def test_the_owning_broker_sees_both_on_the_edit_page_and_in_the_states_it_polls(signed_in, pending):
    listing = pending["listing"]
    broker = signed_in("broker")

    thumbs = images(broker.get(f"/broker/listings/{listing.listing_id}/"))["thumb"]
    states = broker.get(f"/broker/listings/{listing.listing_id}/media/").json()["media"]

    assert len(thumbs) == 2
    for url in thumbs + [m["preview"]["url"] for m in states]:
        assert_picture(url)


def test_nobody_else_gets_a_premium_url(people, pending):
    listing, drone, photo = pending["listing"], pending["drone"], pending["photo"]

    for key in ("other_broker", "seller", "buyer"):
        locked = media_preview(drone, listing=listing, actor=people[key].actor)
        assert (locked.locked, locked.url) == (True, None), key
        assert media_preview(photo, listing=listing, actor=people[key].actor).url.startswith(f"{pending['edge']}/media/")
    assert media_preview(drone, listing=listing, actor=None).locked


def test_the_pages_csp_lets_images_come_from_the_media_edge(signed_in, pending):
    response = signed_in("admin").get(f"/admin/moderation/{pending['listing'].listing_id}/")

    policy = response["Content-Security-Policy"]
    img_src = next(d for d in policy.split(";") if d.strip().startswith("img-src"))
    edge = urlsplit(pending["edge"])
    assert f"{edge.scheme}://{edge.netloc}" in img_src.split()
