"""Text as the back office's searches compare it: case folded, accents of Latin letters dropped, spaces
collapsed ("Villà  in SANEPA" -> "villa in sanepa"). Written at save time beside the text it comes from
(``Listing.title_key``, ``UserProfile.name_key``, in the entities' ``derive_keys``) and applied to what is
searched, so a search is a FilterExpression ``contains`` on one stored attribute, never a scan of raw text.
Devanagari keeps its vowel signs (they are letters there, not accents)."""

from __future__ import annotations

import unicodedata

_LATIN_END = 0x024F  # Latin Extended-B: the last block whose combining marks are accents


def search_key(*parts: str | None) -> str:
    decomposed = unicodedata.normalize("NFKD", " ".join(p for p in parts if p))
    kept, base = [], ""
    for char in decomposed:
        if unicodedata.combining(char) and base and ord(base) <= _LATIN_END:
            continue  # an accent on a Latin letter: é -> e
        kept.append(char)
        base = char if not unicodedata.combining(char) else base
    return " ".join(unicodedata.normalize("NFC", "".join(kept)).casefold().split())
