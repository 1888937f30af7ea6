"""Seed the stage's resources on the emulator with the demo data (people in the template's user pool,
listings in every state, engagement) and two uploads waiting in the raw bucket: a real photo and a file
that is not one. Run in its own process with the stage's resource names in the environment:

    python -m tests.artifacts.seed        (prints one JSON line: what the invocations need)
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import tempfile
from pathlib import Path

import requests

from local import demo, demo_photos
from local.provision import Resources
from marketplace.actors import Group
from marketplace.aws import client
from marketplace.config import settings
from marketplace.lifecycle import Status
from marketplace.models import Listing
from marketplace.services import listings
from marketplace.services.media import media_request_upload
from tests.shared.people import Person

LISTINGS = 30
DRAFTS = 55  # one broker's drafts: more than one page (50) of the back office's listing pages


def video_clip() -> bytes:
    """One second of a test pattern, encoded by the machine's ffmpeg."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder, "clip.mp4")
        subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=1280x720:rate=25",
                        "-t", "1", "-pix_fmt", "yuv420p", str(out)], check=True, timeout=60)
        return out.read_bytes()


def main() -> None:
    cfg = settings()
    idp = client("cognito-idp")
    clients = idp.list_user_pool_clients(UserPoolId=cfg.user_pool_id, MaxResults=10)["UserPoolClients"]
    backoffice_client = next(c["ClientId"] for c in clients if "backoffice" in c["ClientName"])
    resources = Resources(table=cfg.table_name, raw_bucket=cfg.raw_bucket, public_bucket=cfg.public_bucket,
                          premium_bucket=cfg.premium_bucket, event_bus=cfg.event_bus,
                          user_pool_id=cfg.user_pool_id, user_pool_client_id=cfg.user_pool_client_id,
                          backoffice_client_id=backoffice_client, jwks_url=cfg.jwks_url,
                          notify_topic_arn=cfg.notify_topic_arn, queues={}, signing={})
    logins = demo.seed(resources=resources, listing_count=LISTINGS, photos=False)
    people = {}
    for email, _ in logins.accounts:
        attributes = idp.admin_get_user(UserPoolId=cfg.user_pool_id, Username=email)["UserAttributes"]
        people[email] = next(a["Value"] for a in attributes if a["Name"] == "sub")
    broker_email = "broker@demo.shikhar.np"
    broker = Person(email=broker_email, groups=(Group.BROKERS,), user_id=people[broker_email]).actor
    active = [listing for listing in Listing.scan(Listing.status == Status.ACTIVE.value)]
    mine = next(listing for listing in active if listing.broker_id == broker.user_id)
    def upload(kind: str, data: bytes, filename: str, content_type: str) -> str:
        """As the back office's browser form does: a slot, then the presigned POST. The raw object's key."""
        slot = media_request_upload(listing_id=mine.listing_id, kind=kind, actor=broker, content_type=content_type,
                                    size=len(data), filename=filename)
        requests.post(slot.url, data=slot.fields, files={"file": (filename, data, content_type)},
                      timeout=30).raise_for_status()
        return slot.media.raw_key

    uploads = {"photo": upload("photo", demo_photos.draw(7), "front.jpg", "image/jpeg"),
               "not_a_photo": upload("photo", b"<html><script>alert(1)</script></html>" + b" " * 2048, "page.jpg",
                                     "image/jpeg"),
               "video": upload("video", video_clip(), "walkthrough.mp4", "video/mp4")}
    rng = random.Random(9)
    for index in range(DRAFTS):
        listings.listing_create(actor=broker, fields=demo._fields(rng, index))
    print(json.dumps({
        "password": logins.password, "people": people, "active": [listing.listing_id for listing in active],
        "listing": mine.listing_id, "uploads": uploads,
        "raw_bucket": cfg.raw_bucket, "endpoint": os.environ.get("AWS_ENDPOINT_URL")}))


if __name__ == "__main__":
    main()
