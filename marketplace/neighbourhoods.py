"""Neighbourhoods Shikhar lists in, with a centre point for maps and demo data.

The six premium neighbourhoods of the brief come first; the others are where Kathmandu listings
commonly sit. ``slug`` is what the table stores and the API filters on.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MunicipalityClass(StrEnum):
    """Nepal's classes of local government (Local Government Operation Act 2074)."""

    METROPOLITAN = "metropolitan"  # mahanagarpalika
    SUB_METROPOLITAN = "sub_metropolitan"  # upa-mahanagarpalika
    MUNICIPALITY = "municipality"  # nagarpalika
    RURAL = "rural_municipality"  # gaunpalika


KATHMANDU_METRO = ("Kathmandu Metropolitan City", MunicipalityClass.METROPOLITAN)
LALITPUR_METRO = ("Lalitpur Metropolitan City", MunicipalityClass.METROPOLITAN)
BUDHANILKANTHA = ("Budhanilkantha Municipality", MunicipalityClass.MUNICIPALITY)
KIRTIPUR = ("Kirtipur Municipality", MunicipalityClass.MUNICIPALITY)


@dataclass(frozen=True)
class Neighbourhood:
    slug: str
    name: str
    latitude: float
    longitude: float
    premium: bool
    # The local government the neighbourhood lies in: licensed-deal rules are scoped by its class.
    municipality: tuple[str, MunicipalityClass]

    @property
    def municipality_name(self) -> str:
        return self.municipality[0]

    @property
    def municipality_class(self) -> MunicipalityClass:
        return self.municipality[1]


NEIGHBOURHOODS: tuple[Neighbourhood, ...] = (
    Neighbourhood("budhanilkantha", "Budhanilkantha", 27.7781, 85.3620, True, BUDHANILKANTHA),
    Neighbourhood("bhaisepati", "Bhaisepati", 27.6545, 85.3003, True, LALITPUR_METRO),
    Neighbourhood("sanepa", "Sanepa", 27.6847, 85.3064, True, LALITPUR_METRO),
    Neighbourhood("dhumbarahi", "Dhumbarahi", 27.7320, 85.3440, True, KATHMANDU_METRO),
    Neighbourhood("bansbari", "Bansbari", 27.7426, 85.3390, True, KATHMANDU_METRO),
    Neighbourhood("maharajgunj", "Maharajgunj", 27.7385, 85.3310, True, KATHMANDU_METRO),
    Neighbourhood("lazimpat", "Lazimpat", 27.7225, 85.3205, False, KATHMANDU_METRO),
    Neighbourhood("baluwatar", "Baluwatar", 27.7305, 85.3300, False, KATHMANDU_METRO),
    Neighbourhood("jhamsikhel", "Jhamsikhel", 27.6795, 85.3070, False, LALITPUR_METRO),
    Neighbourhood("hattiban", "Hattiban", 27.6530, 85.3130, False, LALITPUR_METRO),
    Neighbourhood("chobhar", "Chobhar", 27.6650, 85.2890, False, KIRTIPUR),
    Neighbourhood("thamel", "Thamel", 27.7150, 85.3123, False, KATHMANDU_METRO),
)

BY_SLUG = {n.slug: n for n in NEIGHBOURHOODS}


def neighbourhood(slug: str) -> Neighbourhood | None:
    return BY_SLUG.get(slug)
