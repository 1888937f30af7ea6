"""Reading a rendered back-office page as a person does."""

from __future__ import annotations

import re
from html import unescape


def visible_text(html: bytes) -> str:
    """The text a person reads: no tags, scripts, styles or attributes (ids, names and tokens live there)."""
    text = re.sub(rb"<(script|style)\b.*?</\1>", b" ", html, flags=re.DOTALL)
    text = re.sub(rb"<[^>]*>", b" ", text)
    return re.sub(r"\s+", " ", unescape(text.decode()))


def page_messages(response) -> list[str]:
    """The messages the page shows at its top (success, info and errors), in order."""
    return [str(m) for m in response.context["messages"]]
