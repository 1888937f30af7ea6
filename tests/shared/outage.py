"""``table_outage``: the table stops answering (every DynamoDB request fails to connect), as when a
region's endpoint is unreachable. ``search_bucket_outage``: the search index's bucket stops taking writes
(every PutObject of the index fails to connect). Injected through botocore's events on the shared
clients."""

from __future__ import annotations

import pytest
from botocore.exceptions import EndpointConnectionError

from marketplace.models import Item
from marketplace.search_index import store


class Outage:
    def __init__(self) -> None:
        self.active = False
        self.refused = 0

    def refuse(self, request, **_):
        if self.active:
            self.refused += 1
            raise EndpointConnectionError(endpoint_url=request.url)


@pytest.fixture
def table_outage():
    """``table_outage.active = True`` takes the table away; it comes back at the end of the test."""
    outage = Outage()
    events = Item._get_connection().connection.client.meta.events
    events.register_first("before-send.dynamodb.*", outage.refuse)
    yield outage
    events.unregister("before-send.dynamodb.*", outage.refuse)


@pytest.fixture
def search_bucket_outage():
    """``search_bucket_outage.active = True`` makes every upload of the search index fail (``refused``
    counts the attempts); uploads work again when it is set back or the test ends."""
    outage = Outage()
    events = store._s3().meta.events
    events.register_first("before-send.s3.PutObject", outage.refuse)
    yield outage
    events.unregister("before-send.s3.PutObject", outage.refuse)
