"""images: orientation, no metadata, sRGB, WebP + progressive JPEG (lossless for floor plans) variants,
placeholder, dominant colour and perceptual hash, written to the destination bucket under deterministic keys."""

from __future__ import annotations

from marketplace.media_kinds import KINDS
from marketplace.services.media import variants_prefix
from media_pipeline import imaging, storage
from media_pipeline.config import media_settings
from media_pipeline.handlers.base import step_handler

CACHE_CONTROL = "public, max-age=31536000, immutable"  # keys carry the upload: never rewritten


@step_handler
def handler(state: dict) -> dict:
    rules = KINDS[state["kind"]]
    data = storage.read(state["bucket"], state["key"], state["version_id"])
    rendered = imaging.render(data, rules, max_pixels=media_settings().max_pixels)
    prefix = variants_prefix(state["listing_id"], state["media_id"], state["upload_id"])
    variants = []
    for output in rendered.outputs:
        key = f"{prefix}{output.name}.{output.extension}"
        storage.write(state["destination"], key, output.data, content_type=output.content_type,
                      cache_control=CACHE_CONTROL)
        variants.append({"name": output.name, "key": key, "bucket": state["destination"], "width": output.width,
                         "height": output.height, "size": len(output.data), "format": output.format})
    return {"variants": variants, "width": rendered.width, "height": rendered.height,
            "placeholder": rendered.placeholder, "dominant_color": rendered.dominant_color,
            "perceptual_hash": rendered.perceptual_hash}
