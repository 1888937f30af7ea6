"""Every route of the public API: its function and whether the JWT authorizer guards it.

The one list the local gateway routes by, that the OpenAPI test checks against the document, and that
the API stack can read to wire API Gateway.
"""

from __future__ import annotations

from dataclasses import dataclass

FUNCTIONS = {
    "listings": "public_api.functions.listings",
    "me": "public_api.functions.me",
    "inquiries": "public_api.functions.inquiries",
}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # API Gateway syntax: /v1/listings/{listing_id}
    function: str  # a key of FUNCTIONS; its handler is ``<module>.handler``
    signed_in: bool  # behind the JWT authorizer
    documented: bool = True  # False: the API's own documentation, outside production only

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def handler(self) -> str:
        return f"{FUNCTIONS[self.function]}.handler"


ROUTES: tuple[Route, ...] = (
    Route("GET", "/v1/listings", "listings", signed_in=False),
    Route("GET", "/v1/listings/{listing_id}", "listings", signed_in=False),
    Route("GET", "/v1/feed", "listings", signed_in=False),
    Route("GET", "/v1/neighborhoods", "listings", signed_in=False),
    Route("GET", "/v1/me", "me", signed_in=True),
    Route("GET", "/v1/me/favorites", "me", signed_in=True),
    Route("PUT", "/v1/me/favorites/{listing_id}", "me", signed_in=True),
    Route("DELETE", "/v1/me/favorites/{listing_id}", "me", signed_in=True),
    Route("POST", "/v1/listings/{listing_id}/inquiries", "inquiries", signed_in=True),
    Route("GET", "/docs", "listings", signed_in=False, documented=False),
    Route("GET", "/openapi.json", "listings", signed_in=False, documented=False),
)
