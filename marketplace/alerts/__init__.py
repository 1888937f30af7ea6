"""Buyers come back: saved searches, alerts when a listing matches one, digests, favorites alerts.

- ``searches``: saving, changing and deleting a search (and its entries in the match index);
- ``matching``: on a listing event, the saved searches it matches (a few partitions of the match index,
  then the search index's own query on that one listing), and the alerts it queues or sends;
- ``digests``: one message per buyer per period, at 07:00 Kathmandu time;
- ``unsubscribe``: signed links that switch one search off without signing in.
"""
