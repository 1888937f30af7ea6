"""Every request and response body of the public API, as pydantic models (they also make the OpenAPI
document). One module per area, so a function builds only the models its routes use: ``common`` (the
error body), ``listings`` (cards, pages, detail, neighbourhoods), ``me`` (profile, favorites),
``inquiries``."""
