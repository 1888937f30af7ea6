"""The embedded search index: one SQLite database (FTS5 for words, map points as plain columns) holding the
searchable card of every listed listing, whatever entitlement may see it.

- ``documents``: what one listing contributes (its card, its filter columns, its words, its point);
- ``database``: the schema, building it from the table and applying one listing's change;
- ``store``: publishing a version to S3 with the item naming the current one, and loading it;
- ``query``: one search (filters, visibility from the caller's entitlements, order, keyset page,
  exact total, facets), neighbourhood summaries;
- ``writer``: the one writer, fed by the domain events (the events consumer, concurrency 1 in AWS;
  a worker locally), publishing at most every ``Settings.search_publish_seconds``; the cards it stores are
  given to it (``CardPresenter``: the API's, composed in ``public_api.functions.search_index_writer``).

The API's listings function holds the loaded index (``public_api.search_index``) and falls back to the
DynamoDB Query path (``marketplace.selectors.search``) when it cannot load one.
"""
