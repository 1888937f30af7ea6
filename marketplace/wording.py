"""Words every layer needs, below the formatting layer (``marketplace.formatting``, which re-exports
them): the field specification and the media kinds name their choices with them too, and they cannot
import the formatting layer, which reads them."""

from __future__ import annotations

from collections.abc import Iterable

NOTHING = "—"  # what an absent value shows as (zero is 0, never this)


def word_list(items: Iterable, *, last: str = "and") -> str:
    """"garden, solar and lift" (no Python list text); ``last="or"`` for choices: "PDF, JPEG photo or PNG image"."""
    names = [str(i) for i in items if i not in (None, "")]
    if not names:
        return NOTHING
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {last} {names[-1]}"
