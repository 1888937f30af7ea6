"""Premium media, end to end: uploaded through the real presigned POST and pipeline, changed by the
admin's real actions, read through the API as each kind of caller, fetched over HTTP from the URL the
API returns and decoded. One rule decides (``marketplace.media_kinds.is_premium_media``); a caller
without a premium entitlement never gets a premium object's URL."""

from __future__ import annotations

import io
import shutil
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
import requests
from PIL import Image

from marketplace import outbox
from marketplace.aws import client
from marketplace.config import settings
from marketplace.lifecycle import Action
from marketplace.selectors.media import media_awaiting_review, media_get
from marketplace.services import listings as listing_services
from marketplace.services.media import media_approve, media_reject, media_replace_upload
from marketplace.services.media_placement import handle_message as place
from tests.media_pipeline.helpers import Uploads, photo, tiny_video, upload_drawn
from tests.public_api.conftest import get
from tests.shared.lifecycle import listing_act
from tests.shared.listings import COMPLETE_HOUSE as HOUSE
from tests.shared.listings import make_listing
from tests.shared.media import version_shown
from tests.shared.people import ADMIN, sign_up

VIEWERS = ("anonymous", "buyer", "premium", "investor")
ENTITLED = {"premium", "investor"}


@pytest.fixture
def viewers(api, platform) -> dict:
    return {"anonymous": None,
            "buyer": sign_up("buyer@test.shikhar.np", ("buyers",), token=True),
            "premium": sign_up("premium@test.shikhar.np", ("buyers",), token=True, tier="premium"),
            "investor": sign_up("investor@test.shikhar.np", ("buyers", "investors"), token=True, tier="investor")}


def upload(listing, broker, *, kind: str, premium: bool = False, seed: int = 1):
    """Uploaded and processed; media added to a published listing is served once an admin approves it."""
    media = upload_drawn(listing, broker, kind=kind, premium=premium, seed=seed)
    if media.review == "pending":
        media = media_approve(listing_id=listing.listing_id, media_id=media.media_id, actor=ADMIN,
                              expected_version=version_shown(media))
    return media


def relay_placement() -> None:
    """The outbox relay and the media-placement consumer, as the local workers run them."""
    outbox.relay_pending()
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=settings().queue_name("media-placement"))["QueueUrl"]
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages"):
        for message in messages:
            place(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def invalidated_paths() -> list[set[str]]:
    """The paths of each CDN invalidation made so far (recorded by the emulator), oldest first."""
    cloudfront = client("cloudfront")
    distribution = settings().cloudfront_distribution_id
    listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"].get("Items", [])
    batches = [cloudfront.get_invalidation(DistributionId=distribution, Id=i["Id"])["Invalidation"] for i in listed]
    return [set(b["InvalidationBatch"]["Paths"]["Items"]) for b in sorted(batches, key=lambda b: b["CreateTime"])]


def media_seen(api: str, listing_id: str, media_id: str, viewer) -> dict:
    detail = get(api, f"/v1/listings/{listing_id}", viewer).json()
    return next(m for m in detail["media"] if m["media_id"] == media_id)


def picture_at(url: str) -> Image.Image:
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, (url, response.text)
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image


def objects(bucket: str, media) -> list[str]:
    listed = client("s3").list_objects_v2(Bucket=bucket, Prefix=f"listings/{media.listing_id}/{media.media_id}/")
    return [o["Key"] for o in listed.get("Contents", [])]


def assert_premium_for_entitled_only(api: str, listing_id: str, media, viewers: dict) -> None:
    cfg = settings()
    assert objects(cfg.premium_bucket, media) and not objects(cfg.public_bucket, media)
    for name in VIEWERS:
        seen = media_seen(api, listing_id, media.media_id, viewers[name])
        assert seen["premium"] is True, name
        if name in ENTITLED:
            assert seen["locked"] is False and seen["variants"], name
            for variant in seen["variants"]:
                assert f"{api}/premium/" in variant["url"] and "Signature=" in variant["url"], name
            assert picture_at(seen["variants"][0]["url"]).size[0] > 0
            unsigned = seen["variants"][0]["url"].split("?", 1)[0]
            assert requests.get(unsigned, timeout=10).status_code == 403
            assert requests.get(unsigned.replace("/premium/", "/media/"), timeout=10).status_code == 403
        else:
            assert (seen["locked"], seen["variants"]) == (True, []), name


def assert_public_for_everyone(api: str, listing_id: str, media, viewers: dict) -> None:
    cfg = settings()
    assert objects(cfg.public_bucket, media) and not objects(cfg.premium_bucket, media)
    for name in VIEWERS:
        seen = media_seen(api, listing_id, media.media_id, viewers[name])
        assert (seen["premium"], seen["locked"]) == (False, False), name
        assert all(v["url"].startswith(f"{api}/media/") for v in seen["variants"]), name
        assert picture_at(seen["variants"][-1]["url"]).size[0] > 0


def test_a_drone_shot_uploaded_to_a_premium_listing_is_premium_and_its_photos_public(api, viewers, lister):
    listing = make_listing(lister, status="active", title="Premium villa", premium=True)

    drone = upload(listing, lister, kind="drone")
    photo = upload(listing, lister, kind="photo", seed=2)

    assert_premium_for_entitled_only(api, listing.listing_id, drone, viewers)
    assert_public_for_everyone(api, listing.listing_id, photo, viewers)


def test_a_photo_the_broker_marks_premium_at_upload_is_premium_on_an_ordinary_listing(api, viewers, lister):
    listing = make_listing(lister, status="active", title="Ordinary house")

    photo = upload(listing, lister, kind="photo", premium=True)

    assert_premium_for_entitled_only(api, listing.listing_id, photo, viewers)
    card = get(api, "/v1/listings").json()["items"][0]
    assert card["cover"] is None  # covers show on public cards: premium media never becomes one


def test_featuring_moves_earlier_drone_shots_into_the_premium_bucket_and_unfeaturing_moves_them_back(
        api, viewers, lister):
    listing = make_listing(lister, status="active", title="House soon featured")
    drone = upload(listing, lister, kind="drone")
    public_urls = [v["url"] for v in media_seen(api, listing.listing_id, drone.media_id, None)["variants"]]
    assert_public_for_everyone(api, listing.listing_id, drone, viewers)
    before = len(invalidated_paths())

    listing_act(actor=ADMIN, listing_id=listing.listing_id, action=Action.FEATURE)
    relay_placement()

    assert_premium_for_entitled_only(api, listing.listing_id, drone, viewers)
    assert all(requests.get(url, timeout=10).status_code == 403 for url in public_urls)  # the old copies are gone
    assert get(api, f"/v1/listings/{listing.listing_id}").json()["cover"] is None  # the drone cover was public
    # and the CDN was told to drop exactly the retired public copies, in one invalidation
    assert invalidated_paths()[before:] == [{urlsplit(url).path for url in public_urls}]

    premium_urls = [v["url"] for v in media_seen(api, listing.listing_id, drone.media_id, viewers["premium"])["variants"]]
    listing_act(actor=ADMIN, listing_id=listing.listing_id, action=Action.UNFEATURE)
    relay_placement()

    assert_public_for_everyone(api, listing.listing_id, drone, viewers)
    assert invalidated_paths()[before + 1:] == [{urlsplit(url).path for url in premium_urls}]
    assert get(api, f"/v1/listings/{listing.listing_id}").json()["cover"]["media_id"] == drone.media_id


def test_the_admin_approving_a_listing_as_premium_moves_the_media_uploaded_while_it_was_a_draft(
        api, viewers, lister):
    listing = listing_services.listing_create(actor=lister, fields={**HOUSE, "title": "Draft with a drone shot"})
    drone = upload(listing, lister, kind="drone")
    photo = upload(listing, lister, kind="photo", seed=3)
    listing_act(actor=lister, listing_id=listing.listing_id, action=Action.SUBMIT)

    listing_act(actor=ADMIN, listing_id=listing.listing_id, action=Action.APPROVE,
                premium=True)
    relay_placement()

    assert_premium_for_entitled_only(api, listing.listing_id, drone, viewers)
    assert_public_for_everyone(api, listing.listing_id, photo, viewers)
    relay_placement()  # a redelivered event changes nothing
    assert_premium_for_entitled_only(api, listing.listing_id, drone, viewers)


def test_media_still_in_the_public_bucket_is_locked_as_soon_as_the_rule_makes_it_premium(api, viewers, lister):
    """Between featuring and the move, a free buyer already gets no URL for the drone shot."""
    listing = make_listing(lister, status="active", title="Being featured")
    drone = upload(listing, lister, kind="drone")

    listing_act(actor=ADMIN, listing_id=listing.listing_id, action=Action.FEATURE)

    assert objects(settings().public_bucket, drone)  # not moved yet
    for name in ("anonymous", "buyer"):
        seen = media_seen(api, listing.listing_id, drone.media_id, viewers[name])
        assert (seen["premium"], seen["locked"], seen["variants"]) == (True, True, []), name
    seen = media_seen(api, listing.listing_id, drone.media_id, viewers["premium"])
    assert seen["locked"] is False and picture_at(seen["variants"][0]["url"]).size[0] > 0


@pytest.mark.parametrize("premium_before, change, assert_placed", [
    (False, Action.FEATURE, assert_premium_for_entitled_only),
    (True, Action.UNFEATURE, assert_public_for_everyone),
])
def test_media_waiting_for_review_while_the_listing_changes_premium_is_placed_by_its_approval(
        api, viewers, lister, premium_before, change, assert_placed):
    # Given a drone shot added to a published listing, waiting for review in the bucket of the listing's
    # premium flag at upload time
    listing = make_listing(lister, status="active", title="Villa changing tier", premium=premium_before)
    drone = upload_drawn(listing, lister, kind="drone")
    assert (drone.review, drone.served) == ("pending", False)
    at_upload = settings().premium_bucket if premium_before else settings().public_bucket
    # When the listing's premium flag changes while it waits (placement moves only served media)
    listing_act(actor=ADMIN, listing_id=listing.listing_id, action=change)
    relay_placement()
    assert objects(at_upload, drone)
    # and an admin approves it
    media_approve(listing_id=listing.listing_id, media_id=drone.media_id, actor=ADMIN,
                  expected_version=version_shown(drone))
    relay_placement()
    # Then it lives where the rule says now, and each viewer gets what the rule gives them, as a picture
    assert_placed(api, listing.listing_id, drone, viewers)


def centre_colour(url: str) -> tuple[int, ...]:
    image = picture_at(url).convert("RGB")
    return image.getpixel((image.width // 2, image.height // 2))


def near(colour: tuple[int, ...], expected: tuple[int, ...]) -> bool:
    return all(abs(a - b) <= 12 for a, b in zip(colour, expected, strict=True))


BLUE, RED, GREEN = (40, 90, 160), (200, 30, 30), (30, 170, 60)


def replace(listing, broker, media_id: str, colour: tuple[int, int, int]):
    data = photo(colour=colour)
    slot = media_replace_upload(listing_id=listing.listing_id, media_id=media_id, actor=broker,
                                content_type="image/jpeg", size=len(data), filename="better.jpg",
                                expected_version=media_get(listing_id=listing.listing_id, media_id=media_id).version)
    Uploads.post(slot, data, "better.jpg")
    Uploads(listing).process_pending()
    return media_get(listing_id=listing.listing_id, media_id=media_id)


def seen_colours(api: str, listing, media_id: str, viewers: dict) -> dict[str, tuple[int, ...]]:
    return {name: centre_colour(media_seen(api, listing.listing_id, media_id, viewers[name])["variants"][-1]["url"])
            for name in ("anonymous", "premium")}


def test_a_photo_replaced_on_a_published_listing_waits_for_review_and_buyers_keep_the_reviewed_one(
        api, viewers, lister):
    # Given a published listing whose reviewed cover photo is blue
    listing = make_listing(lister, status="active", title="House with a better photo coming")
    slot = Uploads(listing).slot(actor=lister, size=len(photo()))
    Uploads.post(slot, photo(colour=BLUE))
    Uploads(listing).process_pending()
    reviewed = media_approve(listing_id=listing.listing_id, media_id=slot.media.media_id, actor=ADMIN,
                             expected_version=version_shown(slot.media))
    relay_placement()
    reviewed_urls = [v["url"] for v in media_seen(api, listing.listing_id, reviewed.media_id, None)["variants"]]
    assert all(near(c, BLUE) for c in seen_colours(api, listing, reviewed.media_id, viewers).values())

    # When the broker replaces it with a red one
    replaced = replace(listing, lister, reviewed.media_id, RED)

    # Then the red one waits for review while everyone still sees the blue one, cover included
    assert (replaced.state, replaced.proposed is not None) == ("ready", True)
    assert [m.media_id for m in media_awaiting_review()] == [reviewed.media_id]
    assert all(near(c, BLUE) for c in seen_colours(api, listing, reviewed.media_id, viewers).values())
    assert get(api, f"/v1/listings/{listing.listing_id}").json()["cover"]["media_id"] == reviewed.media_id

    # When an admin approves it, everyone sees the red one and the blue one's files are gone
    media_approve(listing_id=listing.listing_id, media_id=reviewed.media_id, actor=ADMIN,
                  expected_version=version_shown(reviewed))
    relay_placement()
    assert all(near(c, RED) for c in seen_colours(api, listing, reviewed.media_id, viewers).values())
    assert all(requests.get(url, timeout=10).status_code == 403 for url in reviewed_urls)
    assert media_awaiting_review() == []

    # When a green replacement is rejected, the red one stays served and the green one's files go
    proposed = replace(listing, lister, reviewed.media_id, GREEN).proposed.content_version
    kept = media_reject(listing_id=listing.listing_id, media_id=reviewed.media_id, actor=ADMIN,
                        expected_version=version_shown(reviewed))
    assert kept is not None and kept.proposed is None and media_awaiting_review() == []
    assert all(near(c, RED) for c in seen_colours(api, listing, reviewed.media_id, viewers).values())
    assert not [k for k in objects(settings().public_bucket, reviewed) if f"/{proposed}/" in k]


def playlist_entries(response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [line for line in response.text.splitlines() if line and not line.startswith("#")]


@pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg is not installed (apt-get install -y ffmpeg)")
def test_a_premium_video_plays_with_one_signature_over_its_own_files_and_only_for_entitled_viewers(
        api, viewers, lister, tmp_path):
    # Given a walkthrough video and a drone shot on a premium listing (both premium media)
    listing = make_listing(lister, status="active", title="Villa with a walkthrough", premium=True)
    data = tiny_video(str(tmp_path / "walkthrough.mp4"))
    slot = Uploads(listing).slot(kind="video", content_type="video/mp4", size=len(data), actor=lister,
                                 filename="walkthrough.mp4")
    Uploads.post(slot, data, "walkthrough.mp4")
    Uploads(listing).process_pending()
    video = media_approve(listing_id=listing.listing_id, media_id=slot.media.media_id, actor=ADMIN,
                          expected_version=version_shown(slot.media))
    drone = upload(listing, lister, kind="drone")
    relay_placement()

    # When viewers read the listing: only entitled ones get the video's playlist URL
    for name in ("anonymous", "buyer"):
        assert media_seen(api, listing.listing_id, video.media_id, viewers[name])["variants"] == [], name
    seen = media_seen(api, listing.listing_id, video.media_id, viewers["premium"])
    master_url = next(v["url"] for v in seen["variants"] if v["name"] == "hls")
    base, query = master_url.split("?", 1)

    # Then the playlist, its rendition playlist and a segment (relative URIs, as a player resolves them)
    # open with the playlist's signature, as query parameters or as CloudFront's signed cookies
    [rendition] = playlist_entries(requests.get(master_url, timeout=10))
    segments = playlist_entries(requests.get(f"{urljoin(base, rendition)}?{query}", timeout=10))
    segment_url = urljoin(base, segments[0])
    segment = requests.get(f"{segment_url}?{query}", timeout=10)
    assert segment.status_code == 200 and segment.content[:1] == b"\x47"  # an MPEG-TS packet's sync byte
    cookies = {f"CloudFront-{name}": value for name, value in parse_qsl(query)}
    assert requests.get(segment_url, cookies=cookies, timeout=10).content == segment.content
    # and nothing opens without it, nor does it open another premium object
    assert requests.get(segment_url, timeout=10).status_code == 403
    drone_url = media_seen(api, listing.listing_id, drone.media_id, viewers["premium"])["variants"][0]["url"]
    assert picture_at(drone_url).size[0] > 0
    assert requests.get(f"{drone_url.split('?', 1)[0]}?{query}", timeout=10).status_code == 403
    assert requests.get(drone_url.split("?", 1)[0], cookies=cookies, timeout=10).status_code == 403
