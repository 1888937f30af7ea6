"""The one DynamoDB table: its keys, its indexes and the base every entity derives from.

This module is the single place that knows the table's shape. Local provisioning
(``local/provision.py``) and the CDK stack (``infra/``) both read it through ``table_schema()``.

Generic, overloaded keys: ``pk``/``sk`` for the base table and ``gsiNpk``/``gsiNsk`` for each
global secondary index. Each entity writes its own key values in ``derive_keys()``, documents them in
its docstring and serves each of its access patterns with a classmethod (``marketplace/models.py``);
``docs/data-model.md`` lists every access pattern.

| index | purpose (partition -> sort) | projection |
|---|---|---|
| gsi1 | latest premium: ``PREMIUM`` -> published_at; ``CLOSED_SHOWN`` -> closed_at | card attributes |
| gsi2 | market: ``MKT#<neighbourhood>`` -> zero-padded price | card attributes |
| gsi3 | broker's desk: ``BROKER#<id>`` -> ``LISTING#<status>#...`` / ``INQUIRY#...`` | all |
| gsi4 | global feed of listed properties: ``FEED`` -> published_at | card attributes |
| gsi5 | collections in time order: ``STATUS#<status>``, ``USERS``, ``AUDIT``, ``OUTBOX#PENDING``... | all |
| gsi6 | owner's view: ``SELLER#<id>`` / ``BUYER#<id>`` / ``SESSIONS#<user>`` | keys and ``type`` |
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Self

from pynamodb.attributes import Attribute, DiscriminatorAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.constants import NUMBER, PAY_PER_REQUEST_BILLING_MODE
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from marketplace.config import settings
from marketplace.errors import NotFound

# What a listing card shows (public API search/feed): what readers of the buyer-facing indexes ask for.
# Keep it small: it is what a page of cards returns and what the search index stores per listing.
CARD_ATTRIBUTES = [
    "type", "listing_id", "title", "neighborhood", "property_type", "purpose", "status", "price",
    "price_on_request", "land_area_sqft", "bedrooms", "bathrooms", "road_width_ft", "facing",
    "premium", "exclusive", "public_at", "geohash", "cover", "published_at",
    "closed_at",  # a sold or let listing's badge
    "broker_id", "last_confirmed_at",  # the broker's agency (read by the API) and "last confirmed"
]


class DecimalAttribute(Attribute[Decimal]):
    """A DynamoDB number held as an exact ``Decimal`` (PynamoDB's NumberAttribute goes via float)."""

    attr_type = NUMBER

    def serialize(self, value: Decimal) -> str:
        if not isinstance(value, Decimal):
            value = Decimal(str(value))
        return format(value.normalize(), "f")

    def deserialize(self, value: str) -> Decimal:
        return Decimal(value)


def _index(number: int, projection):
    """Build the GSI class for ``gsi<number>`` (overloaded keys ``gsi<number>pk/sk``)."""
    meta = type("Meta", (), {"index_name": f"gsi{number}", "projection": projection})
    namespace = {
        "Meta": meta,
        f"gsi{number}pk": UnicodeAttribute(hash_key=True),
        f"gsi{number}sk": UnicodeAttribute(range_key=True),
        "__doc__": f"Overloaded index gsi{number}: see the table in marketplace.table.",
    }
    return type(f"GSI{number}", (GlobalSecondaryIndex,), namespace)


# DynamoDB caps an INCLUDE projection at 20 non-key attributes (CreateTable/UpdateTable refuse more;
# cfn-lint E3032 in tests/infra): the card has outgrown it, so the buyer-facing indexes project the whole
# listing and readers still ask only for CARD_ATTRIBUTES. Reads cost the listing's size, not the card's
# (ops.cost counts it so); the emulator does not enforce the cap.
CARD_PROJECTION = AllProjection() if len(CARD_ATTRIBUTES) > 20 else IncludeProjection(CARD_ATTRIBUTES)
PremiumIndex = _index(1, CARD_PROJECTION)
MarketIndex = _index(2, CARD_PROJECTION)
BrokerIndex = _index(3, AllProjection())
FeedIndex = _index(4, CARD_PROJECTION)
CollectionIndex = _index(5, AllProjection())
# Keys plus ``type``: PynamoDB filters every model query on the discriminator, so a bare keys-only
# projection would make model queries on this index come back empty.
OwnerIndex = _index(6, IncludeProjection(["type"]))

INDEXES = (PremiumIndex, MarketIndex, BrokerIndex, FeedIndex, CollectionIndex, OwnerIndex)


class Item(Model):
    """Base of every entity in the table. ``type`` says which entity an item is."""

    class Meta:
        table_name = settings().table_name
        region = settings().region
        host = settings().endpoint_url
        billing_mode = PAY_PER_REQUEST_BILLING_MODE
        stream_view_type = "NEW_AND_OLD_IMAGES"  # the outbox relay in AWS reads the stream
        # PynamoDB's defaults (15 s connect, 30 s read, 3 retries) outlast a 10 s function: the same
        # budget as every boto3 client (marketplace.aws.client_config).
        connect_timeout_seconds = settings().call_budget.connect_seconds
        read_timeout_seconds = settings().call_budget.read_seconds
        max_retry_attempts = settings().call_budget.attempts - 1

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    type = DiscriminatorAttribute()

    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    gsi4pk = UnicodeAttribute(null=True)
    gsi4sk = UnicodeAttribute(null=True)
    gsi5pk = UnicodeAttribute(null=True)
    gsi5sk = UnicodeAttribute(null=True)
    gsi6pk = UnicodeAttribute(null=True)
    gsi6sk = UnicodeAttribute(null=True)
    expires = TTLAttribute(null=True)  # DynamoDB TTL: deletion is lazy, so readers check it too

    premium_index = PremiumIndex()
    market_index = MarketIndex()
    broker_index = BrokerIndex()
    feed_index = FeedIndex()
    collection_index = CollectionIndex()
    owner_index = OwnerIndex()

    @classmethod
    def _get_connection(cls):
        """Every entity reads and writes through the base's connection: one botocore client per process
        (PynamoDB would make one per model class first used before ``Item``, each loading DynamoDB's
        service model again, about 100 ms of a cold start, and each out of reach of the client's hooks)."""
        return Model._get_connection.__func__(Item)

    # What ``get_or_not_found`` answers when the item is missing: (message, the id field at fault).
    not_found: ClassVar[tuple[str, str]] = ("no such item", "id")

    @staticmethod
    def key(*ids: str) -> tuple[str, str]:
        """The item's pk and sk from its ids. Each entity with a key of its own overrides it."""
        raise NotImplementedError

    @classmethod
    def get_or_none(cls, *ids: str, consistent: bool = False) -> Self | None:
        """The item whose ``key(*ids)`` this is, or None (one GetItem)."""
        try:
            return cls.get(*cls.key(*ids), consistent_read=consistent)
        except cls.DoesNotExist:
            return None

    @classmethod
    def get_or_not_found(cls, *ids: str, consistent: bool = False) -> Self:
        """The item whose ``key(*ids)`` this is; ``NotFound`` naming the entity's id field otherwise."""
        item = cls.get_or_none(*ids, consistent=consistent)
        if item is None:
            message, field = cls.not_found
            raise NotFound(message, field=field)
        return item

    def derive_keys(self) -> None:
        """Set pk/sk and every index key from the entity's own fields. Each entity overrides it."""
        raise NotImplementedError

    def clear_index_keys(self) -> None:
        for number in range(1, 7):
            setattr(self, f"gsi{number}pk", None)
            setattr(self, f"gsi{number}sk", None)


TTL_ATTRIBUTE = "expires"


def table_schema(table_name: str | None = None) -> dict:
    """CreateTable arguments (boto3 spelling) derived from the model and its indexes."""
    definitions: dict[str, str] = {"pk": "S", "sk": "S"}
    indexes = []
    for index in INDEXES:
        key_schema = []
        for attribute in index.Meta.attributes.values():
            definitions[attribute.attr_name] = attribute.attr_type
            key_schema.append({"AttributeName": attribute.attr_name,
                               "KeyType": "HASH" if attribute.is_hash_key else "RANGE"})
        key_schema.sort(key=lambda k: k["KeyType"] != "HASH")
        projection = {"ProjectionType": index.Meta.projection.projection_type}
        if index.Meta.projection.non_key_attributes:
            projection["NonKeyAttributes"] = list(index.Meta.projection.non_key_attributes)
        indexes.append({"IndexName": index.Meta.index_name, "KeySchema": key_schema, "Projection": projection})
    return {
        "TableName": table_name or Item.Meta.table_name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in definitions.items()],
        "GlobalSecondaryIndexes": indexes,
        "BillingMode": "PAY_PER_REQUEST",
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": Item.Meta.stream_view_type},
    }
