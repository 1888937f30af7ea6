"""Media pipeline test helpers: a listing with its broker on a fresh platform, files made on the spot, and
uploads through the real presigned POST, handed to the worker from the real SQS notification."""

from __future__ import annotations

import io
import json
import subprocess
from dataclasses import dataclass

import requests
from PIL import Image

from local.demo_photos import draw
from local.provision import MEDIA_QUEUES
from marketplace import db
from marketplace.actors import Actor
from marketplace.aws import client
from marketplace.config import settings
from marketplace.models import Listing, Media, OutboxEvent
from marketplace.selectors.media import media_get
from marketplace.services.media import UploadSlot, media_request_upload
from media_pipeline.events import from_notification
from media_pipeline.runner import handle_message
from tests.shared.people import BROKER


@dataclass
class Uploads:
    """Upload files the way the back office's browser does, then let the pipeline take them."""

    listing: Listing

    def slot(self, kind: str = "photo", content_type: str = "image/jpeg", size: int = 1000,
             filename: str = "house.jpg", actor: Actor = BROKER, listing_id: str | None = None) -> UploadSlot:
        return media_request_upload(listing_id=listing_id or self.listing.listing_id, kind=kind, actor=actor,
                                    content_type=content_type, size=size, filename=filename)

    @staticmethod
    def post(slot: UploadSlot, data: bytes, filename: str = "upload") -> None:
        response = requests.post(slot.url, data=slot.fields, files={"file": (filename, data)}, timeout=30)
        assert response.status_code in (200, 204), response.text

    def process_pending(self) -> list[str]:
        """Hand every notification waiting on the uploads queue to the worker; return the bodies that
        announced uploads (S3 also sends a test event when notifications are configured)."""
        return self._drain(handle_message)

    def take_uploads(self) -> list[dict]:
        """Take the waiting notifications without running the pipeline: the states of their uploads,
        for a test to run the steps in an order of its choosing."""
        return [state for body in self._drain(lambda body: None) for state in from_notification(body)]

    @staticmethod
    def _drain(handle) -> list[str]:
        """Every message of the media queues (images, then videos), each handed to ``handle``."""
        sqs = client("sqs")
        bodies = []
        for queue in MEDIA_QUEUES:
            url = sqs.get_queue_url(QueueName=settings().queue_name(queue))["QueueUrl"]
            while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                                  VisibilityTimeout=60).get("Messages", []):
                for message in messages:
                    handle(message["Body"])
                    if from_notification(message["Body"]):
                        bodies.append(message["Body"])
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return bodies

    def upload(self, data: bytes, *, kind: str = "photo", content_type: str = "image/jpeg",
               filename: str = "house.jpg") -> Media:
        """Slot, POST, pipeline; the media item as it ends."""
        slot = self.slot(kind=kind, content_type=content_type, size=max(1, len(data)), filename=filename)
        self.post(slot, data, filename)
        self.process_pending()
        return media_get(listing_id=self.listing.listing_id, media_id=slot.media.media_id)


def make_listing(*, broker_id: str = BROKER.user_id, premium: bool = False) -> Listing:
    listing = Listing(listing_id=f"l{len(broker_id)}{'p' if premium else 'n'}01", title="Villa in Budhanilkantha",
                      property_type="villa", neighborhood="budhanilkantha", broker_id=broker_id, premium=premium,
                      status="draft")
    db.save(listing)
    return listing


def outbox(detail_type: str) -> list[dict]:
    return [json.loads(e.detail)["data"] for e in OutboxEvent.scan() if e.detail_type == detail_type]


def get_object(bucket: str, key: str) -> bytes:
    return client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()


def photo(width: int = 1600, height: int = 1200, *, colour=(40, 90, 160), fmt: str = "JPEG", mode: str = "RGB",
          **save) -> bytes:
    """A photo-like picture: a gradient with a block of colour, so resizing and encoding do real work."""
    gradient = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.ROTATE_90).resize((width, height)),
                                Image.new("L", (width, height), 120)))
    image.paste(colour, (width // 4, height // 4, width * 3 // 4, height * 3 // 4))
    if mode != "RGB":
        image = image.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def upload_drawn(listing: Listing, actor: Actor, *, kind: str = "photo", premium: bool = False, seed: int = 1) -> Media:
    """A drawn picture (``local.demo_photos``) uploaded as the back office's browser does and processed;
    the media item, ready."""
    data = draw(seed, width=1200, height=800, aerial=kind == "drone")
    slot = media_request_upload(listing_id=listing.listing_id, kind=kind, actor=actor, content_type="image/jpeg",
                                size=len(data), filename=f"{kind}-{seed}.jpg", premium=premium)
    Uploads.post(slot, data, f"{kind}.jpg")
    Uploads(listing).process_pending()
    media = media_get(listing_id=listing.listing_id, media_id=slot.media.media_id)
    assert media.state == "ready", media.failure_reason
    return media


def tiny_video(path: str, *, seconds: int = 2) -> bytes:
    """A short 640x360 H.264 + AAC MP4 made by ffmpeg, with a location in its metadata."""
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc=size=640x360:rate=24:duration={seconds}", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={seconds}", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-metadata", "location=+27.7172+085.3240/", "-shortest", path], check=True)
    with open(path, "rb") as file:
        return file.read()
