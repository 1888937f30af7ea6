"""The Kathmandu valley as a small vector map drawn on the server: the listing form's pin works offline and
in AWS without any tile server (nothing fetched from another origin; the CSP stays 'self'). The frame is
the latitude and longitude bounds the listing field specification accepts, so a pin is always a valid
value; the outline and rivers are traced coarsely from public maps, enough to find one's way."""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.listing_fields import FIELD
from marketplace.neighbourhoods import NEIGHBOURHOODS

WEST, EAST = float(FIELD["longitude"].low), float(FIELD["longitude"].upper)
SOUTH, NORTH = float(FIELD["latitude"].low), float(FIELD["latitude"].upper)
SCALE = 1000  # map units per degree of longitude; latitude is stretched so a unit is the same length both ways
LATITUDE_STRETCH = 1 / 0.885  # 1 / cos(27.7°)

# (latitude, longitude) around the valley floor's rim, clockwise from Budhanilkantha.
VALLEY = ((27.800, 85.360), (27.790, 85.420), (27.750, 85.480), (27.700, 85.510), (27.650, 85.470),
          (27.620, 85.400), (27.590, 85.360), (27.600, 85.290), (27.630, 85.240), (27.670, 85.200),
          (27.710, 85.210), (27.750, 85.260), (27.780, 85.300))
RIVERS = (
    ("Bagmati", ((27.780, 85.420), (27.740, 85.390), (27.710, 85.350), (27.690, 85.320), (27.695, 85.305),
                 (27.660, 85.290), (27.600, 85.280))),
    ("Bishnumati", ((27.770, 85.300), (27.730, 85.300), (27.695, 85.305))),
)


def point(latitude: float, longitude: float) -> tuple[float, float]:
    return (round((longitude - WEST) * SCALE, 1), round((NORTH - latitude) * SCALE * LATITUDE_STRETCH, 1))


def _path(points) -> str:
    return " ".join(f"{x},{y}" for x, y in (point(lat, lon) for lat, lon in points))


@dataclass(frozen=True)
class Place:
    slug: str
    name: str
    x: float
    y: float
    labelled: bool  # False where its name would overlap a name already drawn (the dot keeps a tooltip)


def valley_map() -> dict:
    """What the map template draws: its frame, the valley, rivers and neighbourhood centres."""
    width, height = point(SOUTH, EAST)
    return {"width": width, "height": height, "west": WEST, "east": EAST, "south": SOUTH, "north": NORTH,
            "valley": _path(VALLEY), "rivers": [(name, _path(points)) for name, points in RIVERS],
            "places": _places()}


LABEL_HEIGHT, CHARACTER_WIDTH = 13, 6.5  # a name's box at the map's label size, in map units


def _places() -> list[Place]:
    """Neighbourhood centres; names drawn in the list's order (premium first) where they fit."""
    places, boxes = [], []
    for n in NEIGHBOURHOODS:
        x, y = point(n.latitude, n.longitude)
        box = (x + 6, y - LABEL_HEIGHT + 4, x + 6 + CHARACTER_WIDTH * len(n.name), y + 4)
        free = all(box[2] < b[0] or box[0] > b[2] or box[3] < b[1] or box[1] > b[3] for b in boxes)
        if free:
            boxes.append(box)
        places.append(Place(n.slug, n.name, x, y, free))
    return places
