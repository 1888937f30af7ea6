"""``python -m ops migrate index-keys``: buyers' document requests and orders stored before their index keys
existed reach the broker's list of requests and the admins' list of orders, once, without moving versions."""

from __future__ import annotations

from marketplace import db
from marketplace.aws import client
from marketplace.config import settings
from marketplace.entitlements import Entitlements
from marketplace.ids import new_id
from marketplace.lifecycle import Status
from marketplace.models import DocumentAccess, PaymentOrder
from marketplace.selectors.payments import OrderFilters, orders_search
from marketplace.services import documents
from ops.cli import main
from tests.shared.listings import make_listing
from tests.shared.people import BROKER, BUYER


def _rewrite(item, **attributes) -> None:
    """Store the item as the model before these keys wrote it (a value, or ``None``: no such attribute)."""
    dynamodb, table = client("dynamodb"), settings().table_name
    stored = dynamodb.get_item(TableName=table, Key={"pk": {"S": item.pk}, "sk": {"S": item.sk}})["Item"]
    for name, value in attributes.items():
        stored.pop(name, None) if value is None else stored.update({name: {"S": value}})
    dynamodb.put_item(TableName=table, Item=stored)


def test_old_requests_and_orders_get_their_index_keys_once(platform, capsys):
    # Given a buyer's request stored under the old broker-desk key, and an order stored without gsi3
    listing = make_listing(BROKER, status=Status.ACTIVE)
    access, _ = documents.document_access_request(actor=BUYER, listing_id=listing.listing_id,
                                                  entitlements=Entitlements(tier="premium", active=True))
    _rewrite(access, gsi3sk=f"DOCACCESS#2026-11-01T10:00:00.000000Z#{listing.listing_id}#{BUYER.user_id}")
    order = PaymentOrder(order_id=new_id(), user_id=BUYER.user_id, email=BUYER.email, plan="premium-month",
                         tier="premium", days=30, amount=2500, provider="esewa", state="completed")
    db.save(order)
    _rewrite(order, gsi3pk=None, gsi3sk=None)
    assert documents.access_requests_for_broker(actor=BROKER) == []
    assert orders_search(filters=OrderFilters()).items == []

    # When the dry run, then the migration runs
    assert main(["migrate", "index-keys"]) == 0
    assert "would write the index keys of 2 items" in capsys.readouterr().out
    assert documents.access_requests_for_broker(actor=BROKER) == []
    assert main(["migrate", "index-keys", "--apply"]) == 0

    # Then both are found where their lists look, their versions unmoved, and a second run writes nothing
    [found] = documents.access_requests_for_broker(actor=BROKER)
    assert (found.buyer_id, found.version) == (BUYER.user_id, access.version)
    assert [o.order_id for o in orders_search(filters=OrderFilters()).items] == [order.order_id]
    capsys.readouterr()
    main(["migrate", "index-keys", "--apply"])
    assert "wrote the index keys of 0 items" in capsys.readouterr().out
    assert DocumentAccess.get_or_none(listing.listing_id, BUYER.user_id).version == access.version
