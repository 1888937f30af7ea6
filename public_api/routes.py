"""Every route of the public API, declared once: its function, the router that serves it, and whether
the JWT authorizer guards it.

Derived from it: each function's resolver (``public_api.function.function_handler`` includes the routers
of that function's routes), the OpenAPI document (every router), the API stack's routes and functions,
and the local gateway's routing.
"""

from __future__ import annotations

from dataclasses import dataclass

# The Lambda functions: name -> module; the handler is ``<module>.handler``.
FUNCTIONS = {
    "listings": "public_api.functions.listings",
    "me": "public_api.functions.me",
    "inquiries": "public_api.functions.inquiries",
    "payments": "public_api.functions.payments",
    "documents": "public_api.functions.documents",
}

# The routers (modules of ``public_api.routers``) -> where each is mounted.
ROUTERS = {
    "listings": "/v1/listings",
    "inquiries": "/v1/listings",
    "loans": "/v1/listings",
    "viewings": "/v1/listings",
    "my_viewings": "/v1/me/viewings",
    "feed": "/v1/feed",
    "neighborhoods": "/v1/neighborhoods",
    "me": "/v1/me",
    "favorites": "/v1/me/favorites",
    "orders": "/v1/me/orders",
    "documents": "/v1/listings",
    "payments": "/v1/payments",
    "saved_searches": "/v1/me/saved-searches",
    "unsubscribe": "/v1/unsubscribe",
    "health": "",
    "docs": "",
}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # API Gateway syntax: /v1/listings/{listing_id}
    function: str  # a key of FUNCTIONS
    router: str  # a key of ROUTERS: the router that serves it in that function
    signed_in: bool  # behind the JWT authorizer
    documented: bool = True  # False: the API's own documentation, outside production only

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def handler(self) -> str:
        return f"{FUNCTIONS[self.function]}.handler"


ROUTES: tuple[Route, ...] = (
    Route("GET", "/v1/listings", "listings", "listings", signed_in=False),
    Route("GET", "/v1/listings/{listing_id}", "listings", "listings", signed_in=False),
    Route("GET", "/v1/listings/{listing_id}/loan-estimate", "listings", "loans", signed_in=False),
    Route("GET", "/v1/feed", "listings", "feed", signed_in=False),
    Route("GET", "/v1/neighborhoods", "listings", "neighborhoods", signed_in=False),
    Route("GET", "/health", "listings", "health", signed_in=False),
    Route("GET", "/v1/me", "me", "me", signed_in=True),
    Route("PATCH", "/v1/me", "me", "me", signed_in=True),
    Route("GET", "/v1/me/favorites", "me", "favorites", signed_in=True),
    Route("PUT", "/v1/me/favorites/{listing_id}", "me", "favorites", signed_in=True),
    Route("DELETE", "/v1/me/favorites/{listing_id}", "me", "favorites", signed_in=True),
    Route("GET", "/v1/me/saved-searches", "me", "saved_searches", signed_in=True),
    Route("POST", "/v1/me/saved-searches", "me", "saved_searches", signed_in=True),
    Route("PATCH", "/v1/me/saved-searches/{search_id}", "me", "saved_searches", signed_in=True),
    Route("DELETE", "/v1/me/saved-searches/{search_id}", "me", "saved_searches", signed_in=True),
    Route("GET", "/v1/unsubscribe", "me", "unsubscribe", signed_in=False),
    Route("POST", "/v1/unsubscribe", "me", "unsubscribe", signed_in=False),
    Route("POST", "/v1/listings/{listing_id}/inquiries", "inquiries", "inquiries", signed_in=True),
    Route("POST", "/v1/listings/{listing_id}/viewings", "inquiries", "viewings", signed_in=True),
    Route("GET", "/v1/me/viewings", "inquiries", "my_viewings", signed_in=True),
    Route("POST", "/v1/me/viewings/{viewing_id}/cancel", "inquiries", "my_viewings", signed_in=True),
    Route("POST", "/v1/me/orders", "payments", "orders", signed_in=True),
    Route("GET", "/v1/me/orders", "payments", "orders", signed_in=True),
    Route("GET", "/v1/me/orders/{order_id}", "payments", "orders", signed_in=True),
    # Where eSewa and Khalti send the buyer's browser back: public (no token on a provider's redirect).
    Route("GET", "/v1/payments/esewa/return", "payments", "payments", signed_in=False),
    Route("GET", "/v1/payments/esewa/failure", "payments", "payments", signed_in=False),
    Route("GET", "/v1/payments/khalti/return", "payments", "payments", signed_in=False),
    Route("POST", "/v1/listings/{listing_id}/documents/access", "documents", "documents", signed_in=True),
    Route("GET", "/v1/listings/{listing_id}/documents", "documents", "documents", signed_in=True),
    Route("GET", "/docs", "listings", "docs", signed_in=False, documented=False),
    Route("GET", "/openapi.json", "listings", "docs", signed_in=False, documented=False),
)


def routers_of(function: str | None = None, *, production: bool = False) -> list[str]:
    """The routers serving ``function``'s routes (every function's when None), in declaration order;
    in production without the documentation's routers."""
    chosen = (r.router for r in ROUTES if (function is None or r.function == function)
              and (r.documented or not production))
    return list(dict.fromkeys(chosen))
