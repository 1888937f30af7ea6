"""``table_outage``: the table stops answering (every DynamoDB request fails to connect), as when a
region's endpoint is unreachable. Injected through botocore's events on the shared table client."""

from __future__ import annotations

import pytest
from botocore.exceptions import EndpointConnectionError

from marketplace.models import Item


class TableOutage:
    def __init__(self) -> None:
        self.active = False

    def refuse(self, request, **_):
        if self.active:
            raise EndpointConnectionError(endpoint_url=request.url)


@pytest.fixture
def table_outage():
    """``table_outage.active = True`` takes the table away; it comes back at the end of the test."""
    outage = TableOutage()
    events = Item._get_connection().connection.client.meta.events
    events.register_first("before-send.dynamodb.*", outage.refuse)
    yield outage
    events.unregister("before-send.dynamodb.*", outage.refuse)
