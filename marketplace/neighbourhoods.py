"""Neighbourhoods Shikhar lists in, with a centre point for maps and demo data.

The six premium neighbourhoods of the brief come first; the others are where Kathmandu listings
commonly sit. ``slug`` is what the table stores and the API filters on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Neighbourhood:
    slug: str
    name: str
    latitude: float
    longitude: float
    premium: bool


NEIGHBOURHOODS: tuple[Neighbourhood, ...] = (
    Neighbourhood("budhanilkantha", "Budhanilkantha", 27.7781, 85.3620, True),
    Neighbourhood("bhaisepati", "Bhaisepati", 27.6545, 85.3003, True),
    Neighbourhood("sanepa", "Sanepa", 27.6847, 85.3064, True),
    Neighbourhood("dhumbarahi", "Dhumbarahi", 27.7320, 85.3440, True),
    Neighbourhood("bansbari", "Bansbari", 27.7426, 85.3390, True),
    Neighbourhood("maharajgunj", "Maharajgunj", 27.7385, 85.3310, True),
    Neighbourhood("lazimpat", "Lazimpat", 27.7225, 85.3205, False),
    Neighbourhood("baluwatar", "Baluwatar", 27.7305, 85.3300, False),
    Neighbourhood("jhamsikhel", "Jhamsikhel", 27.6795, 85.3070, False),
    Neighbourhood("hattiban", "Hattiban", 27.6530, 85.3130, False),
    Neighbourhood("chobhar", "Chobhar", 27.6650, 85.2890, False),
    Neighbourhood("thamel", "Thamel", 27.7150, 85.3123, False),
)

BY_SLUG = {n.slug: n for n in NEIGHBOURHOODS}


def neighbourhood(slug: str) -> Neighbourhood | None:
    return BY_SLUG.get(slug)
