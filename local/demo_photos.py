"""Photos for the demo, drawn here (no downloads): a house under a Himalayan skyline, different for each
listing, uploaded through the same presigned POST a broker's browser uses, so the media pipeline
processes them exactly as it would real uploads."""

from __future__ import annotations

import io
import random

import requests
from PIL import Image, ImageDraw, ImageFilter

from marketplace.actors import Actor
from marketplace.media_kinds import MediaKind
from marketplace.services.media import media_request_upload


def draw(seed: int, *, width: int = 1600, height: int = 1067, aerial: bool = False) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height))
    pixels = ImageDraw.Draw(image)
    top, bottom = (rng.randint(60, 110), rng.randint(120, 170), 230), (200, 225, 245)
    horizon = int(height * (0.35 if aerial else 0.55))
    for y in range(horizon):  # the sky, darker blue overhead
        t = y / horizon
        pixels.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    ridge = [(0, horizon)]
    for x in range(0, width + 80, 80):  # snow peaks on the horizon
        ridge.append((x, horizon - rng.randint(40, int(height * 0.22))))
    ridge.append((width, horizon))
    pixels.polygon(ridge, fill=(235, 240, 248))
    pixels.rectangle([0, horizon, width, height], fill=(rng.randint(60, 90), rng.randint(120, 150), 70))
    for _ in range(6 if aerial else 1):  # houses: a wall, a roof, windows
        w = rng.randint(width // 6, width // 3) if aerial else rng.randint(width // 3, width // 2)
        h = int(w * rng.uniform(0.45, 0.7))
        x = rng.randint(0, width - w)
        y = rng.randint(horizon, height - h) if aerial else horizon + (height - horizon) // 2 - h // 2
        wall = (rng.randint(200, 245), rng.randint(190, 230), rng.randint(170, 215))
        pixels.rectangle([x, y, x + w, y + h], fill=wall)
        pixels.polygon([(x - w // 12, y), (x + w // 2, y - h // 2), (x + w + w // 12, y)],
                       fill=(rng.randint(120, 170), rng.randint(40, 70), 40))
        for row in range(2):
            for column in range(4):
                wx, wy = x + w // 10 + column * w // 4, y + h // 6 + row * h // 2
                pixels.rectangle([wx, wy, wx + w // 9, wy + h // 5], fill=(90, 120, 150))
    image = image.filter(ImageFilter.SMOOTH)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def upload(*, actor: Actor, listing_id: str, kind: str, data: bytes, filename: str, premium: bool = False) -> str:
    """Ask the domain for a slot and POST the file to it, as the back office's browser form does."""
    slot = media_request_upload(listing_id=listing_id, kind=kind, actor=actor, content_type="image/jpeg",
                                size=len(data), filename=filename, premium=premium)
    response = requests.post(slot.url, data=slot.fields, files={"file": (filename, data, "image/jpeg")}, timeout=30)
    response.raise_for_status()
    return slot.media.media_id


# A PDF brochure chosen by mistake in the photo picker: the pipeline reads its first bytes and refuses it.
BROCHURE = b"%PDF-1.7\n% Shikhar brochure: floor plans and price list\n" + b"0" * 4096 + b"\n%%EOF\n"


def media_states(*, broker: Actor, active: list[str], drafts: list[str]) -> None:
    """Media in the states admins and brokers act on, through the same uploads and pipeline: photos added
    to two listed properties (published listings' new media waits for an admin's review), a photo too small
    for the site on a listed property and a PDF sent as a draft's photo (both refused, with the pipeline's
    reason). A small demo without such listings gets what it has room for."""
    for n, listing_id in enumerate(active[:2]):
        upload(actor=broker, listing_id=listing_id, kind=MediaKind.PHOTO, filename=("terrace.jpg", "garden.jpg")[n],
               data=draw(9000 + n))
    if len(active) > 2:
        upload(actor=broker, listing_id=active[2], kind=MediaKind.PHOTO, filename="old-scan.jpg",
               data=draw(9100, width=900, height=600))
    if drafts:
        upload(actor=broker, listing_id=drafts[0], kind=MediaKind.PHOTO, filename="brochure.pdf", data=BROCHURE)
