"""The entities of the single table. Each documents its key design and owns it: its key builders
(``key()``, ``partition()``, ...), the keys ``derive_keys()`` writes from them, and one classmethod per
access pattern (``Listing.by_status(status, limit=...)``, PynamoDB style: it returns the query's result
iterator and takes PynamoDB's query arguments). No other module spells a key.

Services call ``derive_keys()`` (through ``marketplace.db``) before every write. See
``docs/data-model.md`` for every access pattern, its classmethod and the code that uses it.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from enum import StrEnum

from pynamodb.attributes import (
    Attribute,
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.constants import STRING

from marketplace.entitlements import Tier
from marketplace.lifecycle import LISTED, Status
from marketplace.listing_fields import FIELD
from marketplace.media_kinds import IN_FLIGHT, MediaState
from marketplace.search_keys import search_key
from marketplace.table import DecimalAttribute, Item

PRICE_DIGITS = 15  # zero-padding for price sort keys: up to 999 lakh crore
# Sorts after every ISO timestamp and every zero-padded price: the open upper end of a key range.
KEY_END = "~"


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class UserProfile(Item, discriminator="UserProfile"):
    """A person who signs in (any group). ``user_id`` is the Cognito ``sub``.

    pk ``USER#<user_id>``, sk ``PROFILE``.
    gsi5 ``USERS`` -> ``<email>``: find people by email prefix (back office).
    gsi3 ``PEOPLE`` -> ``<name sort key>#<user_id>``: people in name order (back office), found by any word
    of the name: a FilterExpression on ``name_key``, which holds the same search key (the sort key cannot be
    filtered on in its own index).
    """

    not_found = ("no such user", "user_id")

    user_id = UnicodeAttribute()
    email = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    phone = UnicodeAttribute(null=True)
    groups = ListAttribute(of=UnicodeAttribute, default=list)
    created_at = UTCDateTimeAttribute(default_for_new=now)
    updated_at = UTCDateTimeAttribute(default=now)
    # -- search (back office): the name as searches compare it (the email's for a person without a
    # name), the gsi3 sort key's text, written by derive_keys --
    name_key = UnicodeAttribute(null=True)

    COLLECTION = "USERS"
    BY_NAME = "PEOPLE"  # gsi3: everyone in name order

    @staticmethod
    def partition(user_id: str) -> str:
        """A person's partition: their profile, subscription and favorites."""
        return f"USER#{user_id}"

    @staticmethod
    def name_sort_key(name: str, email: str) -> str:
        """How people sort by name: the name's search key (a person without one, by their email)."""
        return search_key(name) or search_key(email)

    @staticmethod
    def key(user_id: str) -> tuple[str, str]:
        return UserProfile.partition(user_id), "PROFILE"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.user_id)
        self.gsi5pk, self.gsi5sk = self.COLLECTION, f"{self.email.lower()}#{self.user_id}"
        self.name_key = self.name_sort_key(self.name, self.email)
        self.gsi3pk, self.gsi3sk = self.BY_NAME, f"{self.name_key}#{self.user_id}"

    @classmethod
    def with_subscription(cls, user_id: str):
        """The delivery preferences, profile and subscription of one person: one Query (items of those
        types: ``PREFERENCES`` < ``PROFILE`` < ``SUBSCRIPTION``)."""
        return Item.query(cls.partition(user_id), Item.sk.between(DeliveryPreferences.key(user_id)[1],
                                                                  Subscription.key(user_id)[1]))

    @classmethod
    def by_email(cls, email_prefix: str = "", **query):
        """People in email order (gsi5), those whose email starts with ``email_prefix`` if given."""
        condition = cls.gsi5sk.startswith(email_prefix.lower()) if email_prefix else None
        return cls.collection_index.query(cls.COLLECTION, condition, **query)

    @classmethod
    def count_all(cls, email_prefix: str = "", **query) -> int:
        """How many people match ``filter_condition`` (gsi5 ``USERS``, those whose email starts with
        ``email_prefix`` if given: a COUNT Query, the people list's total)."""
        condition = cls.gsi5sk.startswith(email_prefix.lower()) if email_prefix else None
        return cls.collection_index.count(cls.COLLECTION, condition, **query)

    @classmethod
    def named(cls, text: str):
        """The filter that finds people by any word of their name: the name's search key starts with the
        text's, or holds it after a space ("thapa" finds "Ram Thapa", "sita s" "Ram Sita Sharma"); None
        without a text. A person without a name is found by their email's start (their key)."""
        key = search_key(text)
        return (cls.name_key.startswith(key) | cls.name_key.contains(f" {key}")) if key else None

    @classmethod
    def by_name(cls, **query):
        """People in name order (gsi3), either direction; a search passes ``named(text)`` (and any other
        condition) as ``filter_condition``."""
        return cls.broker_index.query(cls.BY_NAME, None, **query)

    @classmethod
    def count_by_name(cls, **query) -> int:
        """How many people ``by_name`` finds with ``filter_condition`` (gsi3 ``PEOPLE``: a COUNT Query)."""
        return cls.broker_index.count(cls.BY_NAME, None, **query)


class Subscription(Item, discriminator="Subscription"):
    """A prepaid premium or investor term (eSewa/Khalti have no recurring billing).

    pk ``USER#<user_id>``, sk ``SUBSCRIPTION`` (read with the profile in one query).
    gsi5 ``SUBSCRIPTIONS`` -> ``<expires_at>#<user_id>``: expiring soon (admin dashboard).
    """

    user_id = UnicodeAttribute()
    tier = UnicodeAttribute(default=Tier.FREE.value)
    starts_at = UTCDateTimeAttribute(null=True)
    expires_at = UTCDateTimeAttribute(null=True)
    reason = UnicodeAttribute(default="")
    granted_by = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(default=now)
    version = VersionAttribute()

    COLLECTION = "SUBSCRIPTIONS"

    @staticmethod
    def key(user_id: str) -> tuple[str, str]:
        return UserProfile.partition(user_id), "SUBSCRIPTION"

    @property
    def paid(self) -> bool:
        return self.tier != Tier.FREE

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.user_id)
        if self.expires_at and self.paid:
            self.gsi5pk, self.gsi5sk = self.COLLECTION, f"{iso(self.expires_at)}#{self.user_id}"
        else:
            self.gsi5pk = self.gsi5sk = None

    @classmethod
    def expiring_between(cls, start: datetime, end: datetime, **query):
        """Paid terms ending between two moments, soonest first (gsi5)."""
        return cls.collection_index.query(cls.COLLECTION, cls.gsi5sk.between(iso(start), iso(end) + KEY_END), **query)


class BrokerProfile(Item, discriminator="BrokerProfile"):
    """A licensed broker (the Department of Land Management licenses broker companies).

    pk ``BROKER#<user_id>``, sk ``PROFILE``.
    gsi5 ``BROKERS`` -> ``<name>#<user_id>``: the broker directory (back office).
    The licence number is unique through a ``UNIQUE#licence#<no>`` guard item.
    """

    not_found = ("no such broker", "broker_id")

    broker_id = UnicodeAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    phone = UnicodeAttribute(default="")
    licence_number = UnicodeAttribute()
    company = UnicodeAttribute()
    verified = BooleanAttribute(default=False)
    verified_at = UTCDateTimeAttribute(null=True)
    verified_by = UnicodeAttribute(null=True)
    rating = DecimalAttribute(null=True)
    rating_count = NumberAttribute(default=0)
    agency_id = UnicodeAttribute(null=True)  # the licensed agency (RESO Office) the broker works for
    created_at = UTCDateTimeAttribute(default_for_new=now)
    version = VersionAttribute()
    # -- search (the admins' brokers list): name and licence number as searches compare them --
    name_key = UnicodeAttribute(null=True)

    COLLECTION = "BROKERS"

    @staticmethod
    def partition(broker_id: str) -> str:
        """The broker's own partition, and their desk on gsi3 (listings and leads)."""
        return f"BROKER#{broker_id}"

    @staticmethod
    def key(broker_id: str) -> tuple[str, str]:
        return BrokerProfile.partition(broker_id), "PROFILE"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.broker_id)
        self.gsi5pk, self.gsi5sk = self.COLLECTION, f"{self.name.lower()}#{self.broker_id}"
        self.name_key = search_key(self.name, self.licence_number)
        if self.agency_id:
            self.gsi6pk, self.gsi6sk = Agency.partition(self.agency_id), f"{self.name.lower()}#{self.broker_id}"
        else:
            self.gsi6pk = self.gsi6sk = None

    @classmethod
    def directory(cls, **query):
        """Every broker in name order (gsi5)."""
        return cls.collection_index.query(cls.COLLECTION, **query)

    @classmethod
    def of_agency(cls, agency_id: str, **query):
        """The keys of an agency's brokers in name order (gsi6 projects keys only: then one BatchGet)."""
        return Item.owner_index.query(Agency.partition(agency_id), **query)


# ---- licensed agencies (RESO Office) -------------------------------------------------------------


class Agency(Item, discriminator="Agency"):
    """A licensed real-estate business brokers work for (RESO Office). Its licence is checked by an admin
    against the Department of Land Management's published list (``marketplace.licensing``).

    pk ``AGENCY#<agency_id>``, sk ``PROFILE``.
    gsi5 ``AGENCIES`` -> ``<licence_expires_on>#<agency_id>``: every agency by licence expiry, soonest
    first (the admin's list; licences ending within a window are a key range: the expiry warnings).
    gsi6 ``AGENCY#<agency_id>`` holds its brokers (``BrokerProfile.of_agency``).
    The licence number is unique through a ``UNIQUE#agency-licence#<no>`` guard item.
    """

    not_found = ("no such agency", "agency_id")

    agency_id = UnicodeAttribute()
    name = UnicodeAttribute()
    licence_number = UnicodeAttribute()
    licence_class = UnicodeAttribute()  # marketplace.licensing.LicenceClass
    licence_expires_on = UnicodeAttribute()  # ISO date, the last day the licence is valid (Kathmandu)
    # What the licence was checked against: the published list's edition and entry, a certificate number.
    evidence = UnicodeAttribute(default="")
    email = UnicodeAttribute(default="")
    phone = UnicodeAttribute(default="")
    address = UnicodeAttribute(default="")
    principal_broker_id = UnicodeAttribute(null=True)  # RESO OfficeBrokerKey: told of the licence's expiry
    verification = UnicodeAttribute(default="unverified")  # marketplace.licensing.Verification
    verified_at = UTCDateTimeAttribute(null=True)
    verified_by = UnicodeAttribute(null=True)
    verification_note = UnicodeAttribute(default="")
    # When an admin last decided on the licence (verified or revoked); a renewal clears verified_at but not
    # this: the evidence files uploaded before it stay that decision's record. None: none yet, or only before
    # it was recorded (then verified_at is the decision's time).
    decided_at = UTCDateTimeAttribute(null=True)
    expiry_warned_for = UnicodeAttribute(null=True)  # the expiry date the 30-day warning was sent for
    created_at = UTCDateTimeAttribute(default_for_new=now)
    updated_at = UTCDateTimeAttribute(default=now)
    version = VersionAttribute()
    # -- search (the admins' agencies list): name and licence number as searches compare them --
    name_key = UnicodeAttribute(null=True)

    COLLECTION = "AGENCIES"

    @staticmethod
    def partition(agency_id: str) -> str:
        return f"AGENCY#{agency_id}"

    @staticmethod
    def key(agency_id: str) -> tuple[str, str]:
        return Agency.partition(agency_id), "PROFILE"

    @property
    def expires_on(self) -> date:
        return date.fromisoformat(self.licence_expires_on)

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.agency_id)
        self.gsi5pk, self.gsi5sk = self.COLLECTION, f"{self.licence_expires_on}#{self.agency_id}"
        self.name_key = search_key(self.name, self.licence_number)

    @classmethod
    def by_expiry(cls, **query):
        """Every agency by licence expiry, soonest first (gsi5)."""
        return cls.collection_index.query(cls.COLLECTION, **query)

    @classmethod
    def expiring_between(cls, first: date, last: date, **query):
        """Agencies whose licence ends from ``first`` to ``last`` (both days included), soonest first (gsi5)."""
        return cls.collection_index.query(cls.COLLECTION, cls.gsi5sk.between(first.isoformat(),
                                                                             last.isoformat() + KEY_END), **query)


# --- Licence evidence: the files showing an agency's licence (marketplace.services.agencies). ---

class PrivateFile:
    """A file in the private documents bucket (a listing's document, an agency's licence evidence):
    declared once for both; uploaded through a presigned form, checked once it lands."""

    filename = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    state = UnicodeAttribute(default="awaiting_upload")  # awaiting_upload | uploaded | rejected
    failure = UnicodeAttribute(null=True)
    uploaded_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute(default_for_new=now)
    uploaded_at = UTCDateTimeAttribute(null=True)


class AgencyEvidence(PrivateFile, Item, discriminator="AgencyEvidence"):
    """A file showing an agency's licence (the certificate, the page of the published list it is on): a PDF,
    JPEG or PNG in the private documents bucket, uploaded by an admin or the agency's principal broker and
    opened by the admin verifying it through a short-lived signed link.

    pk ``AGENCY#<agency_id>``, sk ``EVIDENCE#<file_id>`` (beside the agency's profile: one Query lists them).
    """

    not_found = ("no such evidence file", "file_id")

    agency_id = UnicodeAttribute()
    file_id = UnicodeAttribute()
    # ---- licence evidence: replacing a file no admin has decided on yet ----
    replaces = UnicodeAttribute(null=True)  # the file this upload takes the place of, once it is checked
    version = VersionAttribute()

    SORT_PREFIX = "EVIDENCE#"

    @staticmethod
    def key(agency_id: str, file_id: str) -> tuple[str, str]:
        return Agency.partition(agency_id), f"{AgencyEvidence.SORT_PREFIX}{file_id}"

    @property
    def object_key(self) -> str:
        return f"agencies/{self.agency_id}/{self.file_id}"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.agency_id, self.file_id)

    @classmethod
    def of_agency(cls, agency_id: str, **query):
        """An agency's evidence files, oldest first (one Query)."""
        return cls.query(Agency.partition(agency_id), cls.sk.startswith(cls.SORT_PREFIX), **query)


class Seller(Item, discriminator="Seller"):
    """An owner or developer whose property a broker lists. ``seller_id`` is their Cognito sub when they
    sign in to the read-only seller view, else a generated id.

    pk ``SELLER#<seller_id>``, sk ``PROFILE``. gsi5 ``SELLERS`` -> ``<name>#<seller_id>``.
    """

    seller_id = UnicodeAttribute()
    name = UnicodeAttribute()
    kind = UnicodeAttribute(default="owner")  # owner | developer
    email = UnicodeAttribute(default="")
    phone = UnicodeAttribute(default="")
    created_by = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default_for_new=now)

    COLLECTION = "SELLERS"

    @staticmethod
    def partition(seller_id: str) -> str:
        """The seller's own partition, and their view on gsi6 (their listings)."""
        return f"SELLER#{seller_id}"

    @staticmethod
    def key(seller_id: str) -> tuple[str, str]:
        return Seller.partition(seller_id), "PROFILE"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.seller_id)
        self.gsi5pk, self.gsi5sk = self.COLLECTION, f"{self.name.lower()}#{self.seller_id}"

    @classmethod
    def directory(cls, **query):
        """Every seller in name order (gsi5)."""
        return cls.collection_index.query(cls.COLLECTION, **query)


class CoverImage(MapAttribute):
    """The cover photo's variants, denormalised onto the listing so a card needs no second read."""

    media_id = UnicodeAttribute()
    variants = MapAttribute(default=dict)  # {"w400_webp": {"key", "width", "height", "format"}, ...}
    placeholder = UnicodeAttribute(null=True)
    dominant_color = UnicodeAttribute(null=True)


class Listing(Item, discriminator="Listing"):
    """A property offered for sale or rent.

    pk ``LISTING#<listing_id>``, sk ``METADATA`` (its media ``MEDIA#..`` share the partition, so a detail
    is one Query with ``sk BETWEEN 'MEDIA#' AND 'METADATA'``).

    Only listed statuses (active, coming soon, under contract), and a closed listing for its days in search
    after the sale (``in_search``), enter the buyer-facing sparse indexes:
    - gsi1 ``PREMIUM`` -> ``<published_at>#<id>`` when premium and listed: latest premium;
    - gsi1 ``CLOSED_SHOWN`` -> ``<closed_at>#<id>``: sold or let listings still in search, soonest closed
      first (the freshness sweep reads only those whose days are over);
    - gsi2 ``MKT#<neighbourhood>`` -> ``<price, 15 digits>#<id>``: neighbourhood + price range;
      price-on-request sorts last;
    - gsi4 ``FEED`` -> ``<published_at>#<id>``: global recent feed and search.
    Always:
    - gsi3 ``BROKER#<broker_id>`` -> ``LISTING#<status>#<updated_at>#<id>``: broker inventory by status;
    - gsi5 ``STATUS#<status>`` -> ``<status_changed_at>#<id>``: moderation queue, oldest first; for active
      listings ``<confirmed_at>#<id>`` instead: the least recently confirmed first (the freshness sweep);
    - gsi6 ``SELLER#<seller_id>`` -> ``LISTING#<updated_at>#<id>``: the seller's read-only view.
    ``version`` (people's changes) and ``write_version`` (every write) give optimistic locking; counters
    live on ``ListingStats`` so they never race it.
    """

    not_found = ("no such listing", "listing_id")

    # The fields a broker edits: their kinds, bounds and choices are declared in marketplace.listing_fields.
    listing_id = UnicodeAttribute()
    title = UnicodeAttribute()
    # -- search (back office): the title as searches compare it, written by derive_keys --
    title_key = UnicodeAttribute(null=True)
    # -- search (back office): the broker's name as searches compare it. derive_keys cannot read the
    # broker's profile, so listing_create writes it and broker_rename rewrites it on every listing --
    broker_key = UnicodeAttribute(null=True)
    description = UnicodeAttribute(default="")
    property_type = UnicodeAttribute()
    purpose = UnicodeAttribute(default=FIELD["purpose"].default)
    price = NumberAttribute(null=True)  # whole NPR; None when price on request
    price_on_request = BooleanAttribute(default=False)
    neighborhood = UnicodeAttribute()
    address = UnicodeAttribute(default="")
    latitude = DecimalAttribute(null=True)
    longitude = DecimalAttribute(null=True)
    geohash = UnicodeAttribute(null=True)  # GEOHASH_PRECISION characters: the map pin buyers see
    land_area_sqft = DecimalAttribute(null=True)
    built_up_area_sqft = DecimalAttribute(null=True)
    bedrooms = NumberAttribute(null=True)
    bathrooms = NumberAttribute(null=True)
    storeys = DecimalAttribute(null=True)  # 2.5 storeys is common
    parking = NumberAttribute(null=True)  # cars
    road_width_ft = DecimalAttribute(null=True)
    road_surface = UnicodeAttribute(null=True)
    facing = UnicodeAttribute(null=True)
    year_built = NumberAttribute(null=True)
    furnishing = UnicodeAttribute(null=True)
    amenities = ListAttribute(of=UnicodeAttribute, default=list)
    documents = ListAttribute(of=UnicodeAttribute, default=list)
    premium = BooleanAttribute(default=False)
    exclusive = BooleanAttribute(default=False)  # off-market: investors only
    broker_id = UnicodeAttribute()
    seller_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default=Status.DRAFT.value)
    status_changed_at = UTCDateTimeAttribute(default_for_new=now)
    rejection_reason = UnicodeAttribute(null=True)
    change_note = UnicodeAttribute(null=True)
    public_at = UTCDateTimeAttribute(null=True)  # coming soon: when everyone may see it
    published_at = UTCDateTimeAttribute(null=True)
    submitted_at = UTCDateTimeAttribute(null=True)
    # When the broker (or the approving admin) last vouched it is available: active listings are indexed by
    # it, so the clock reads only those due for reconfirmation or expiry (marketplace.services.freshness).
    last_confirmed_at = UTCDateTimeAttribute(null=True)
    cover = CoverImage(null=True)
    # Processed photos (photo and drone kinds), kept by the media services in the same transactions
    # that make media ready or delete it: the moderation queue checks the minimum without reading media.
    ready_photos = NumberAttribute(default=0)
    # Documents: when an admin verified the title, permit and certificate (marketplace.services.documents).
    documents_verified_at = UTCDateTimeAttribute(null=True)
    # Sold or let (the close action): buyers still find it with a "Sold"/"Rented" badge of this date until
    # the clock takes it out of search (``search_left_at``; marketplace.services.freshness).
    closed_at = UTCDateTimeAttribute(null=True)
    search_left_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default_for_new=now)
    updated_at = UTCDateTimeAttribute(default=now)
    # Two versions. ``version`` is what people read and send back as ``expected_version``: only people's
    # edits and lifecycle decisions bump it (``marketplace.services.listings``, cover, documents), so the
    # pipeline's bookkeeping (``ready_photos``, ``cover``) never makes an open page stale.
    # ``write_version`` locks the item itself: every write is conditioned on it and bumps it, so a
    # person's write and a system write never overwrite each other (the loser reads again and, when
    # ``version`` is unchanged, writes again: ``db.rewritten_after_system_writes``).
    version = NumberAttribute(default_for_new=1)
    write_version = VersionAttribute()

    FEED = "FEED"
    PREMIUM = "PREMIUM"
    CLOSED_SHOWN = "CLOSED_SHOWN"
    SORT_PREFIX = "LISTING#"  # a listing's sort keys on the broker's desk and the seller's view

    @staticmethod
    def partition(listing_id: str) -> str:
        """A listing's partition: the listing, its media, stats, daily views and inquiries."""
        return f"LISTING#{listing_id}"

    @staticmethod
    def key(listing_id: str) -> tuple[str, str]:
        return Listing.partition(listing_id), "METADATA"

    @staticmethod
    def status_partition(status: Status | str) -> str:
        return f"STATUS#{Status(status).value}"

    @staticmethod
    def market_partition(neighborhood: str) -> str:
        return f"MKT#{neighborhood}"

    @staticmethod
    def price_key(price: int | None) -> str:
        """The zero-padded price that sorts the market index (without the id that follows it)."""
        return f"{int(price or 0):0{PRICE_DIGITS}d}#"

    @staticmethod
    def desk_prefix(status: Status | str | None = None) -> str:
        """The broker's-desk sort-key prefix of listings, of one status if given."""
        return f"{Listing.SORT_PREFIX}{Status(status).value}#" if status else Listing.SORT_PREFIX

    @property
    def is_listed(self) -> bool:
        return self.status in LISTED

    @property
    def in_search(self) -> bool:
        """Listed, or sold or let and not yet taken out of search by the clock (its badge shows)."""
        return self.is_listed or (self.status == Status.CLOSED and self.closed_at is not None
                                  and self.search_left_at is None)

    @property
    def confirmed_at(self) -> datetime:
        """When it was last vouched for: its confirmation, else its publication, else its last status change."""
        return self.last_confirmed_at or self.published_at or self.status_changed_at

    def bump_version(self) -> None:
        """A person's edit or a lifecycle decision: every page opened before it is now out of date."""
        self.version += 1

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.listing_id)
        self.title_key = search_key(self.title)
        self.clear_index_keys()
        if self.in_search:
            published = f"{iso(self.published_at or self.status_changed_at)}#{self.listing_id}"
            self.gsi4pk, self.gsi4sk = self.FEED, published
            price = self.price if (self.price is not None and not self.price_on_request) else 10**PRICE_DIGITS - 1
            self.gsi2pk, self.gsi2sk = self.market_partition(self.neighborhood), f"{self.price_key(price)}{self.listing_id}"
            if not self.is_listed:
                self.gsi1pk, self.gsi1sk = self.CLOSED_SHOWN, f"{iso(self.closed_at)}#{self.listing_id}"
            elif self.premium:
                self.gsi1pk, self.gsi1sk = self.PREMIUM, published
        self.gsi3pk = BrokerProfile.partition(self.broker_id)
        self.gsi3sk = f"{self.desk_prefix(self.status)}{iso(self.updated_at)}#{self.listing_id}"
        self.gsi5pk = self.status_partition(self.status)
        moment = self.confirmed_at if self.status == Status.ACTIVE else self.status_changed_at
        self.gsi5sk = f"{iso(moment)}#{self.listing_id}"
        if self.seller_id:
            self.gsi6pk = Seller.partition(self.seller_id)
            self.gsi6sk = f"{self.SORT_PREFIX}{iso(self.updated_at)}#{self.listing_id}"

    @classmethod
    def with_media(cls, listing_id: str):
        """The listing and its media, one Query (items of both types; stats and inquiries sort outside
        the ``MEDIA#``..``METADATA`` range)."""
        pk, sk = cls.key(listing_id)
        return Item.query(pk, Item.sk.between(Media.SORT_PREFIX, sk))

    @classmethod
    def with_media_and_history(cls, listing_id: str):
        """The listing, its media and its price and status history, one Query (``MEDIA#`` .. ``METADATA``
        .. ``METADATA#HISTORY#~``: stats, views and inquiries sort outside it)."""
        pk, _ = cls.key(listing_id)
        return Item.query(pk, Item.sk.between(Media.SORT_PREFIX, f"{ListingHistory.SORT_PREFIX}{KEY_END}"))

    @classmethod
    def by_status(cls, status: Status | str, **query):
        """Listings in one status in order of their last status change (gsi5)."""
        return cls.collection_index.query(cls.status_partition(status), **query)

    @classmethod
    def active_confirmed_between(cls, start: datetime, end: datetime, **query):
        """Active listings last confirmed from ``start`` to ``end`` (gsi5 ``STATUS#active``), least recent first."""
        return cls.collection_index.query(cls.status_partition(Status.ACTIVE),
                                          cls.gsi5sk.between(iso(start), iso(end) + KEY_END), **query)

    @classmethod
    def active_confirmed_before(cls, moment: datetime, **query):
        """Active listings not confirmed since ``moment`` (gsi5 ``STATUS#active``), least recent first."""
        return cls.collection_index.query(cls.status_partition(Status.ACTIVE), cls.gsi5sk < iso(moment), **query)

    @classmethod
    def closed_shown_before(cls, moment: datetime, **query):
        """Keys and cards of sold or let listings still in search that closed before ``moment`` (gsi1
        ``CLOSED_SHOWN``), soonest closed first."""
        return cls.premium_index.query(cls.CLOSED_SHOWN, cls.gsi1sk < iso(moment), **query)

    @classmethod
    def count_by_status(cls, status: Status | str, **query) -> int:
        return cls.collection_index.count(cls.status_partition(status), **query)

    @classmethod
    def of_broker(cls, broker_id: str, status: Status | str | None = None, **query):
        """A broker's listings, of one status if given, by status then last update (gsi3)."""
        return cls.broker_index.query(BrokerProfile.partition(broker_id), cls.gsi3sk.startswith(cls.desk_prefix(status)),
                                      **query)

    @classmethod
    def of_seller(cls, seller_id: str, **query):
        """The keys of a seller's listings, most recently updated first (gsi6 projects keys only)."""
        return Item.owner_index.query(Seller.partition(seller_id), Item.gsi6sk.startswith(cls.SORT_PREFIX), **query)

    @classmethod
    def in_market(cls, neighborhood: str, price_range: tuple[int | None, int | None] = (None, None), **query):
        """Listed cards of one neighbourhood by price (gsi2), within ``price_range`` (either end open);
        price-on-request listings sort last, so any upper bound leaves them out."""
        low, high = price_range
        condition = None
        if low is not None or high is not None:
            condition = cls.gsi2sk.between(cls.price_key(low), f"{cls.price_key(high)}{KEY_END}" if high is not None
                                           else KEY_END)
        return cls.market_index.query(cls.market_partition(neighborhood), condition, **query)

    @classmethod
    def latest_premium(cls, **query):
        """Listed premium cards by publication (gsi1)."""
        return cls.premium_index.query(cls.PREMIUM, **query)

    @classmethod
    def feed(cls, **query):
        """Every listed card by publication (gsi4)."""
        return cls.feed_index.query(cls.FEED, **query)


class ListingStats(Item, discriminator="ListingStats"):
    """Running totals for a listing, updated with atomic ADDs (never read-modify-write). Views are
    counted per day on ``DailyViewStat``.

    pk ``LISTING#<listing_id>``, sk ``STATS``.
    """

    listing_id = UnicodeAttribute()
    favorites = NumberAttribute(default=0)
    inquiries = NumberAttribute(default=0)

    @staticmethod
    def key(listing_id: str) -> tuple[str, str]:
        return Listing.partition(listing_id), "STATS"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.listing_id)


class DailyViewStat(Item, discriminator="DailyViewStat"):
    """Detail views of one listing on one day (UTC), an atomic counter.

    pk ``LISTING#<listing_id>``, sk ``VIEWS#<yyyy-mm-dd>``: a listing's views per day (range on sk).
    gsi5 ``VIEWS#<yyyy-mm-dd>`` -> ``<listing_id>``: every listing's views on a day (reports).
    """

    listing_id = UnicodeAttribute()
    day = UnicodeAttribute()
    neighborhood = UnicodeAttribute(default="")
    views = NumberAttribute(default=0)

    @staticmethod
    def day_key(day: date | str) -> str:
        """The sort key of a day's count in the listing's partition, and that day's gsi5 partition."""
        return f"VIEWS#{day.isoformat() if isinstance(day, date) else day}"

    @staticmethod
    def key(listing_id: str, day: str) -> tuple[str, str]:
        return Listing.partition(listing_id), DailyViewStat.day_key(day)

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.listing_id, self.day)
        self.gsi5pk, self.gsi5sk = self.day_key(self.day), self.listing_id

    @classmethod
    def of_listing(cls, listing_id: str, since: date, until: date, **query):
        """One listing's counts per day over a range (its own partition)."""
        return cls.query(Listing.partition(listing_id), cls.sk.between(cls.day_key(since), cls.day_key(until)), **query)

    @classmethod
    def of_day(cls, day: date | str, **query):
        """Every listing's count on one day (gsi5)."""
        return cls.collection_index.query(cls.day_key(day), **query)


class ReportScope(StrEnum):
    """What a ``DailyReport`` item counts."""

    VIEWS = "views"  # detail views, rolled up from the listings' day counters (``DailyViewStat``)
    FAVORITES = "favorites"  # favorites added (FavoriteAdded)
    INQUIRIES = "inquiries"  # inquiries received (InquiryReceived)
    DECISIONS = "decisions"  # moderation decisions (ListingApproved, ListingRejected, ListingChangesRequested)


class CountsAttribute(Attribute[dict[str, int]]):
    """Counts by key (``{listing_id: n}``) held in one string, ``"<key> <n> <key> <n> ..."``, for a
    counter written whole. As a map, each of its hundreds of entries is a typed value the emulator
    copies and measures and botocore and PynamoDB parse one by one on every read (a views day of 1,000
    listings: about 0.3 s of a reader's CPU per 500 KB); as one string it is one value, at about the
    same bytes, so the same read capacity. Keys never hold a space (ids)."""

    attr_type = STRING

    def serialize(self, value: dict[str, int]) -> str:
        if any(" " in key for key in value):
            raise ValueError("a counted key holds a space")
        return " ".join(f"{key} {int(n)}" for key, n in value.items())

    def deserialize(self, value: str) -> dict[str, int]:
        parts = value.split()
        return dict(zip(parts[::2], map(int, parts[1::2]), strict=True))


class Decision(MapAttribute):
    """One moderation decision, as the decisions scope keeps it."""

    listing_id = UnicodeAttribute()
    title = UnicodeAttribute(default="")
    broker_id = UnicodeAttribute(default="")
    decision = UnicodeAttribute()  # the lifecycle action: approve, approve_coming_soon, reject, request_changes
    by = UnicodeAttribute(default="")
    submitted_at = UTCDateTimeAttribute(null=True)
    decided_at = UTCDateTimeAttribute()

    # A decision held in one string, a JSON array of these fields in order (``line``): as a map each of
    # its seven fields is a typed value to copy and parse, for every decision of a report's window (1,000
    # decisions: 340 KB the emulator answered in 2.5 s and botocore parsed in 0.36 s).
    LINE_FIELDS = ("listing_id", "title", "broker_id", "decision", "by", "submitted_at", "decided_at")

    def line(self) -> str:
        fields = [getattr(self, name) for name in self.LINE_FIELDS]
        return json.dumps([f.isoformat() if isinstance(f, datetime) else f for f in fields],
                          ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_line(cls, line: str) -> Decision:
        fields = dict(zip(cls.LINE_FIELDS, json.loads(line), strict=True))
        for moment in ("submitted_at", "decided_at"):
            fields[moment] = datetime.fromisoformat(fields[moment]) if fields[moment] else None
        return cls(**fields)


# A DailyReport attribute read, and the attribute written since that holds the same figures more cheaply.
KEPT_ALSO_IN = {"listings": "listing_views", "decisions": "decision_lines"}


class DailyReport(Item, discriminator="DailyReport"):
    """One day (UTC) of one report scope: what the back office's reports add up over a window, so a
    report reads one Query per scope however many days it covers.

    pk ``REPORT#<scope>``, sk ``DAY#<yyyy-mm-dd>``: a scope's days over a window (range on sk).
    Counter scopes (views, favorites, inquiries): ``listings`` and ``neighbourhoods`` map a listing id or a
    neighbourhood slug to its count that day (``total``: the day's sum, for views). Views, written whole
    by their roll-up, keep the per-listing counts in ``listing_views`` (one string, ``CountsAttribute``)
    instead of the ``listings`` map, which days rolled up before it still have: ``counts`` reads either.
    Favorites and inquiries add to their map entry by entry, so they keep the map. The decisions scope:
    ``decision_lines``, one string per decision (``Decision.line``), appended one by one; days written
    before it keep ``decisions``, a list of maps, read alike (``decided``).
    ``event_ids``: the events already counted, so a redelivered event changes nothing (the update is
    conditional on its id not being there); reports never read it.
    ``owners`` (views only): the brokers and sellers whose ``OwnerDailyViews`` items this day's roll-up
    wrote (``<broker|seller>#<id>``), so the next roll-up deletes those no longer viewed that day.
    Kept by ``marketplace.services.daily_reports`` and rebuilt from the table by ``python -m ops reports rebuild``.
    """

    scope = UnicodeAttribute()
    day = UnicodeAttribute()
    listings = MapAttribute(default=dict)
    listing_views = CountsAttribute(null=True)
    neighbourhoods = MapAttribute(default=dict)
    total = NumberAttribute(default=0)
    decisions = ListAttribute(of=Decision, default=list)
    decision_lines = ListAttribute(of=UnicodeAttribute, null=True)
    event_ids = UnicodeSetAttribute(null=True)
    owners = UnicodeSetAttribute(null=True)

    @staticmethod
    def partition(scope: ReportScope) -> str:
        return f"REPORT#{scope.value}"

    @staticmethod
    def day_key(day: str) -> str:
        return f"DAY#{day}"

    @classmethod
    def key(cls, scope: ReportScope, day: str) -> tuple[str, str]:
        return cls.partition(scope), cls.day_key(day)

    @classmethod
    def window(cls, scope: ReportScope, *, since: str, until: str, attributes: list[str]):
        """The scope's days from ``since`` to ``until`` (inclusive), oldest first, with only ``attributes``
        (``listings`` brings ``listing_views`` along and ``decisions`` ``decision_lines``: either holds them)."""
        wanted = [*attributes, *(KEPT_ALSO_IN[a] for a in attributes if a in KEPT_ALSO_IN)]
        return cls.query(cls.partition(scope), cls.sk.between(cls.day_key(since), cls.day_key(until)),
                         attributes_to_get=["pk", "sk", "type", "scope", "day", *wanted])

    @classmethod
    def every_day(cls, scope: ReportScope):
        """Every day of a scope, oldest first (backfills)."""
        return cls.query(cls.partition(scope))

    def decided(self) -> list[Decision]:
        """The day's decisions, however each was kept."""
        return [*(self.decisions or ()), *(Decision.from_line(line) for line in self.decision_lines or ())]

    def counts(self, attribute: str) -> dict[str, int]:
        """A counter (``listings`` or ``neighbourhoods``) as plain numbers."""
        if attribute == "listings" and self.listing_views is not None:
            return dict(self.listing_views)
        found = getattr(self, attribute)
        return {key: int(n) for key, n in (found.as_dict() if found else {}).items()}

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(ReportScope(self.scope), self.day)


# -- per-broker and per-seller daily views ---------------------------------------------------------------

class ViewsOwner(StrEnum):
    """Whose listings an ``OwnerDailyViews`` item adds up."""

    BROKER = "broker"
    SELLER = "seller"


class OwnerDailyViews(Item, discriminator="OwnerDailyViews"):
    """Detail views of one broker's (or one seller's) listings on one day (UTC): what broker analytics
    and the seller's home read, one Query for a window whatever the number of listings.

    pk ``OWNERVIEWS#<broker|seller>#<id>``, sk ``DAY#<yyyy-mm-dd>``: an owner's days over a window.
    ``listing_views`` holds each listing's views that day (one string, ``CountsAttribute``; days written
    before it have the ``listings`` map instead), ``total`` is their sum. Written (replaced
    whole) with the day's ``DailyReport`` views item by ``marketplace.services.daily_reports``, which
    names the owners it wrote on that item (``owners``) so a listing moved to another broker leaves no
    stale day behind.
    """

    owner = UnicodeAttribute()  # ViewsOwner
    owner_id = UnicodeAttribute()
    day = UnicodeAttribute()
    listings = MapAttribute(default=dict)
    listing_views = CountsAttribute(null=True)
    total = NumberAttribute(default=0)

    @staticmethod
    def partition(owner: ViewsOwner, owner_id: str) -> str:
        return f"OWNERVIEWS#{ViewsOwner(owner).value}#{owner_id}"

    @classmethod
    def key(cls, owner: ViewsOwner, owner_id: str, day: str) -> tuple[str, str]:
        return cls.partition(owner, owner_id), DailyReport.day_key(day)

    @staticmethod
    def owner_ref(owner: ViewsOwner, owner_id: str) -> str:
        """How a views day item names an owner it wrote (``<broker|seller>#<id>``)."""
        return f"{ViewsOwner(owner).value}#{owner_id}"

    @classmethod
    def from_ref(cls, ref: str, day: str) -> OwnerDailyViews:
        owner, owner_id = ref.split("#", 1)
        item = cls(owner=owner, owner_id=owner_id, day=day)
        item.derive_keys()
        return item

    @classmethod
    def window(cls, owner: ViewsOwner, owner_id: str, *, since: str, until: str):
        """The owner's days from ``since`` to ``until`` (inclusive), oldest first."""
        return cls.query(cls.partition(owner, owner_id),
                         cls.sk.between(DailyReport.day_key(since), DailyReport.day_key(until)))

    def counts(self) -> dict[str, int]:
        if self.listing_views is not None:
            return dict(self.listing_views)
        return {key: int(n) for key, n in (self.listings.as_dict() if self.listings else {}).items()}

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.owner, self.owner_id, self.day)


class MediaVariant(MapAttribute):
    name = UnicodeAttribute()  # e.g. w1024_webp
    key = UnicodeAttribute()
    bucket = UnicodeAttribute()
    width = NumberAttribute()
    height = NumberAttribute()
    size = NumberAttribute()
    format = UnicodeAttribute()


class MediaServed:
    """What one processed upload serves: declared once, for the item (the version it serves now) and for
    ``MediaVersion`` (a version waiting for review). Approving copies exactly these (with
    ``content_version``), so a field added here is served once approved with no other change."""

    variants = ListAttribute(of=MediaVariant, default=list)
    width = NumberAttribute(null=True)
    height = NumberAttribute(null=True)
    placeholder = UnicodeAttribute(null=True)
    dominant_color = UnicodeAttribute(null=True)
    scan_status = UnicodeAttribute(null=True)  # clean | infected | not_scanned
    duration_seconds = DecimalAttribute(null=True)  # videos
    # -- duplicate detection: the picture's 64-bit difference hash (media_pipeline.imaging.perceptual_hash) --
    perceptual_hash = UnicodeAttribute(null=True)


# The served fields' names, in declaration order (from the one declaration above).
SERVED_FIELDS = tuple(name for name, value in vars(MediaServed).items() if isinstance(value, Attribute))


class MediaVersion(MediaServed, MapAttribute):
    """A processed upload waiting for an admin's review (media of a published listing): what the item
    serves once approved. Until then the item keeps serving its reviewed version, if it has one."""

    content_version = UnicodeAttribute()  # the upload id, as on the item


class Media(Item, MediaServed, discriminator="Media"):
    """A photo, drone shot, 360° panorama, video or floor plan of a listing.

    pk ``LISTING#<listing_id>``, sk ``MEDIA#<media_id>`` (with the listing: one Query for a detail).
    gsi5 ``MEDIA#failed`` -> ``<updated_at>#<media_id>`` while failed: media failures (admin dashboard);
    ``MEDIA#due`` -> ``<deadline>#<listing_id>#<media_id>`` while awaiting its upload or processing: what
    the sweep fails once its deadline has passed.
    Each upload is its own raw object, ``<listing_id>/<media_id>/<upload_id>/original.<kind>`` in the
    raw bucket, and its variants live under ``listings/<listing_id>/<media_id>/<upload_id>/``.
    ``state`` is the newest upload's; ``variants`` (with ``content_version``) the last good, reviewed
    one's, served while a replacement is under way, waits for review or failed. On a published listing a
    processed upload waits in ``proposed`` (gsi5 ``MEDIA#review`` -> ``<updated_at>#<listing_id>#<media_id>``)
    until an admin approves it.
    """

    not_found = ("no such media", "media_id")

    media_id = UnicodeAttribute()
    listing_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # a MediaKind
    state = UnicodeAttribute(default=MediaState.AWAITING_UPLOAD.value)  # a MediaState
    premium = BooleanAttribute(default=False)
    position = NumberAttribute(default=0)
    caption = UnicodeAttribute(default="")
    content_type = UnicodeAttribute(null=True)
    size = NumberAttribute(null=True)
    raw_key = UnicodeAttribute(null=True)
    raw_version = UnicodeAttribute(null=True)  # the S3 version the upload took: one outcome per upload
    upload_id = UnicodeAttribute(null=True)  # the newest upload slot; older uploads are superseded
    content_version = UnicodeAttribute(null=True)  # the upload whose variants are served
    # "pending": uploaded while the listing was published; each processed upload waits in ``proposed``
    # and is served (and may be the cover) once an admin approves it.
    review = UnicodeAttribute(null=True)
    proposed = MediaVersion(null=True)
    deadline = UTCDateTimeAttribute(null=True)  # awaiting_upload/processing must end by then (the sweep)
    filename = UnicodeAttribute(default="")  # as the broker's browser named it (display only)
    # The served version's fields (variants, width, height, ...): from MediaServed.
    failure_reason = UnicodeAttribute(null=True)
    uploaded_by = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default_for_new=now)
    updated_at = UTCDateTimeAttribute(default=now)
    version = VersionAttribute()

    SORT_PREFIX = "MEDIA#"
    FAILED, DUE, REVIEW = "MEDIA#failed", "MEDIA#due", "MEDIA#review"  # gsi5 collections

    @staticmethod
    def key(listing_id: str, media_id: str) -> tuple[str, str]:
        return Listing.partition(listing_id), f"{Media.SORT_PREFIX}{media_id}"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.listing_id, self.media_id)
        self.clear_index_keys()
        if self.state == MediaState.FAILED:
            self.gsi5pk, self.gsi5sk = self.FAILED, f"{iso(self.updated_at)}#{self.media_id}"
        elif self.state in IN_FLIGHT and self.deadline:
            self.gsi5pk, self.gsi5sk = self.DUE, f"{iso(self.deadline)}#{self.listing_id}#{self.media_id}"
        elif self.proposed is not None:
            self.gsi5pk, self.gsi5sk = self.REVIEW, f"{iso(self.updated_at)}#{self.listing_id}#{self.media_id}"

    @classmethod
    def of_listing(cls, listing_id: str, **query):
        """A listing's media (its partition), in media-id order."""
        return cls.query(Listing.partition(listing_id), cls.sk.startswith(cls.SORT_PREFIX), **query)

    @classmethod
    def failed(cls, **query):
        """Media whose processing failed, by time of failure (gsi5)."""
        return cls.collection_index.query(cls.FAILED, **query)

    @classmethod
    def due_before(cls, moment: datetime, **query):
        """Media awaiting their upload or processing whose deadline is before ``moment`` (gsi5)."""
        return cls.collection_index.query(cls.DUE, cls.gsi5sk < iso(moment), **query)

    @classmethod
    def awaiting_review(cls, **query):
        """Processed media of published listings waiting for an admin, oldest first by default (gsi5)."""
        return cls.collection_index.query(cls.REVIEW, **query)

    @property
    def overdue(self) -> bool:
        """Still awaiting its upload or processing past its deadline: stuck, so it may be retried."""
        return self.state in IN_FLIGHT and bool(self.deadline) and self.deadline < datetime.now(UTC)

    @property
    def ready(self) -> bool:
        """The newest upload is processed (it may still wait for review)."""
        return self.state == MediaState.READY

    @property
    def retryable(self) -> bool:
        """Failed, or stuck past its deadline: a retry may process its upload again."""
        return self.state == MediaState.FAILED or self.overdue

    @property
    def in_review(self) -> bool:
        """Added to, or replaced on, a published listing: its new version waits for an admin."""
        return self.review is not None

    @property
    def served(self) -> bool:
        """A good, reviewed version is served (whatever the state of a newer upload or one in review)."""
        return bool(self.variants)


class Favorite(Item, discriminator="Favorite"):
    """A buyer's saved listing.

    pk ``USER#<user_id>``, sk ``FAVORITE#<listing_id>``: a buyer's favorites (then one BatchGet).
    gsi6 ``FAVORITED#<listing_id>`` -> ``<user_id>``: who saved a listing (its price and status alerts).
    """

    user_id = UnicodeAttribute()
    listing_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute(default_for_new=now)

    SORT_PREFIX = "FAVORITE#"

    @staticmethod
    def key(user_id: str, listing_id: str) -> tuple[str, str]:
        return UserProfile.partition(user_id), f"{Favorite.SORT_PREFIX}{listing_id}"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.user_id, self.listing_id)
        self.gsi6pk, self.gsi6sk = self.fans_partition(self.listing_id), self.user_id

    @staticmethod
    def fans_partition(listing_id: str) -> str:
        return f"FAVORITED#{listing_id}"

    @classmethod
    def fans_of(cls, listing_id: str, **query):
        """The buyers who saved a listing (gsi6: keys and type; the user id is the sort key)."""
        return cls.owner_index.query(cls.fans_partition(listing_id), **query)

    @classmethod
    def of_user(cls, user_id: str, **query):
        """A buyer's favorites (their partition), in listing-id order."""
        return cls.query(UserProfile.partition(user_id), cls.sk.startswith(cls.SORT_PREFIX), **query)


class Inquiry(Item, discriminator="Inquiry"):
    """A signed-in buyer's message to the listing's broker.

    ``inquiry_id`` is a ULID, so ordering by it is ordering by time.
    pk ``LISTING#<listing_id>``, sk ``INQUIRY#<inquiry_id>``: a listing's inquiries.
    gsi3 ``BROKER#<broker_id>`` -> ``INQUIRY#<inquiry_id>``: the broker's leads, newest first.
    gsi5 ``INQUIRIES`` -> ``<inquiry_id>``: new inquiries (admin dashboard).
    gsi6 ``BUYER#<buyer_id>`` -> ``INQUIRY#<inquiry_id>``: what a buyer has sent.
    """

    not_found = ("no such inquiry", "inquiry_id")

    inquiry_id = UnicodeAttribute()
    listing_id = UnicodeAttribute()
    listing_title = UnicodeAttribute(default="")
    broker_id = UnicodeAttribute()
    buyer_id = UnicodeAttribute()
    name = UnicodeAttribute()
    phone = UnicodeAttribute(default="")
    email = UnicodeAttribute(default="")
    message = UnicodeAttribute()
    preferred_contact_time = UnicodeAttribute(default="")
    status = UnicodeAttribute(default="new")  # marketplace.leads.LeadState ("handled": contacted, before it)
    handled_at = UTCDateTimeAttribute(null=True)
    first_response_at = UTCDateTimeAttribute(null=True)  # when it first left "new": the response time
    state_changed_at = UTCDateTimeAttribute(null=True)
    version = VersionAttribute()
    created_at = UTCDateTimeAttribute(default_for_new=now)

    SORT_PREFIX = "INQUIRY#"  # in the listing's partition, on the broker's desk and the buyer's view
    COLLECTION = "INQUIRIES"

    @staticmethod
    def key(listing_id: str, inquiry_id: str) -> tuple[str, str]:
        return Listing.partition(listing_id), f"{Inquiry.SORT_PREFIX}{inquiry_id}"

    @staticmethod
    def buyer_partition(buyer_id: str) -> str:
        return f"BUYER#{buyer_id}"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.listing_id, self.inquiry_id)
        self.gsi3pk, self.gsi3sk = BrokerProfile.partition(self.broker_id), self.sk
        self.gsi5pk, self.gsi5sk = self.COLLECTION, self.inquiry_id
        self.gsi6pk, self.gsi6sk = self.buyer_partition(self.buyer_id), self.sk

    @classmethod
    def of_broker(cls, broker_id: str, **query):
        """A broker's leads across their listings, in time order (gsi3)."""
        return cls.broker_index.query(BrokerProfile.partition(broker_id), cls.gsi3sk.startswith(cls.SORT_PREFIX),
                                      **query)

    @classmethod
    def count_of_broker(cls, broker_id: str, **query) -> int:
        """How many of a broker's leads match ``filter_condition`` (gsi3: a COUNT Query, the leads list's total)."""
        return cls.broker_index.count(BrokerProfile.partition(broker_id), cls.gsi3sk.startswith(cls.SORT_PREFIX),
                                      **query)

    @classmethod
    def count_since(cls, lower_id: str, **query) -> int:
        """How many inquiries have an id from ``lower_id`` on (ids are ULIDs: time order) (gsi5)."""
        return cls.collection_index.count(cls.COLLECTION, cls.gsi5sk >= lower_id, **query)


class AuditEntry(Item, discriminator="AuditEntry"):
    """Who changed what, when: before/after of each changed field. Written with the change itself.

    pk ``AUDIT#<entity_type>#<entity_id>``, sk ``<at>#<audit_id>``: an object's history.
    gsi5 ``AUDIT`` -> ``<at>#<audit_id>``: the global audit log, newest first.
    """

    audit_id = UnicodeAttribute()
    entity_type = UnicodeAttribute()
    entity_id = UnicodeAttribute()
    action = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    actor_email = UnicodeAttribute(default="")
    changes = MapAttribute(default=dict)  # field -> {"before": .., "after": ..}
    reason = UnicodeAttribute(null=True)
    correlation_id = UnicodeAttribute(null=True)
    at = UTCDateTimeAttribute(default_for_new=now)

    COLLECTION = "AUDIT"

    @staticmethod
    def partition(entity_type: str, entity_id: str) -> str:
        return f"AUDIT#{entity_type}#{entity_id}"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.partition(self.entity_type, self.entity_id), f"{iso(self.at)}#{self.audit_id}"
        self.gsi5pk, self.gsi5sk = self.COLLECTION, self.sk

    @classmethod
    def history(cls, entity_type: str, entity_id: str, **query):
        """One object's audit trail in time order."""
        return cls.query(cls.partition(entity_type, entity_id), **query)


class OutboxEvent(Item, discriminator="OutboxEvent"):
    """A domain event written in the same transaction as the change that caused it.

    pk ``OUTBOX#<event_id>``, sk ``EVENT``.
    gsi5 ``OUTBOX#PENDING`` -> ``<created_at>#<event_id>`` while unsent (sparse): the relay's work list.
    Once sent, the index keys go and ``expires`` lets TTL remove the record after a week.
    """

    event_id = UnicodeAttribute()
    detail_type = UnicodeAttribute()
    detail = UnicodeAttribute()  # JSON
    correlation_id = UnicodeAttribute(null=True)
    state = UnicodeAttribute(default="pending")  # pending | sent
    attempts = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute(default_for_new=now)
    sent_at = UTCDateTimeAttribute(null=True)

    PENDING = "OUTBOX#PENDING"

    @staticmethod
    def key(event_id: str) -> tuple[str, str]:
        return f"OUTBOX#{event_id}", "EVENT"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.event_id)
        self.clear_index_keys()
        if self.state == "pending":
            self.gsi5pk, self.gsi5sk = self.PENDING, f"{iso(self.created_at)}#{self.event_id}"

    @classmethod
    def pending(cls, **query):
        """Unsent events, oldest first (gsi5, sparse)."""
        return cls.collection_index.query(cls.PENDING, **query)


class Guard(Item, discriminator="Guard"):
    """A uniqueness or idempotency guard, written conditionally inside a transaction.

    pk ``UNIQUE#<kind>#<value>`` or ``IDEMPOTENCY#<scope>#<key>``, sk ``GUARD``. ``ref`` names what it
    guards (e.g. the inquiry created for an idempotency key); idempotency guards expire by TTL.
    """

    ref = UnicodeAttribute(default="")
    fingerprint = UnicodeAttribute(null=True)  # idempotency: a hash of the request the key was first used for

    @staticmethod
    def unique_key(kind: str, value: str) -> tuple[str, str]:
        return f"UNIQUE#{kind}#{value.strip().lower()}", "GUARD"

    @staticmethod
    def idempotency_key(scope: str, key: str) -> tuple[str, str]:
        return f"IDEMPOTENCY#{scope}#{key}", "GUARD"

    def derive_keys(self) -> None:  # keys are set by the caller through unique_key/idempotency_key
        pass


class ProcessedEvent(Item, discriminator="ProcessedEvent"):
    """A consumer's record that it handled an event: consumers de-duplicate on event ids.

    pk ``PROCESSED#<consumer>``, sk ``<event_id>``; expires by TTL after 30 days.
    """

    state = UnicodeAttribute(default="claimed")  # claimed | done

    @staticmethod
    def key(consumer: str, event_id: str) -> tuple[str, str]:
        return f"PROCESSED#{consumer}", event_id

    def derive_keys(self) -> None:  # keys are set by the caller through key()
        pass


class Session(Item, discriminator="Session"):
    """A back-office session, server-side so it can be revoked.

    pk ``SESSION#<session_key>``, sk ``SESSION``; ``expires`` is the TTL (checked on load too: TTL
    deletion is lazy). gsi6 ``SESSIONS#<user_id>`` -> ``<session_key>``: end all of a user's sessions.
    """

    session_key = UnicodeAttribute()
    data = UnicodeAttribute(default="")
    user_id = UnicodeAttribute(null=True)

    @staticmethod
    def key(session_key: str) -> tuple[str, str]:
        return f"SESSION#{session_key}", "SESSION"

    @staticmethod
    def user_partition(user_id: str) -> str:
        return f"SESSIONS#{user_id}"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.session_key)
        self.gsi6pk = self.user_partition(self.user_id) if self.user_id else None
        self.gsi6sk = self.session_key if self.user_id else None

    @classmethod
    def of_user(cls, user_id: str, **query):
        """The keys of a person's sessions (gsi6)."""
        return cls.owner_index.query(cls.user_partition(user_id), **query)


class SignInThrottle(Item, discriminator="SignInThrottle"):
    """Failed sign-in attempts of one account (an email, known or not) or one client IP, counted with
    atomic ADDs; past a threshold each failure blocks further attempts for a doubling time.

    pk ``THROTTLE#<scope>#<key>``, sk ``COUNTER``; ``expires`` (TTL) ends the window after quiet time.
    """

    failures = NumberAttribute(default=0)
    blocked_until = UTCDateTimeAttribute(null=True)

    @staticmethod
    def key(scope: str, value: str) -> tuple[str, str]:
        return f"THROTTLE#{scope}#{value.strip().lower()}", "COUNTER"

    def derive_keys(self) -> None:  # keys are set by the caller through key()
        pass


class TotpStep(Item, discriminator="TotpStep"):
    """The newest TOTP time step a person's last completed sign-in could have used (the step of that
    moment plus the verifier's clock-skew window): a code of that step or an older one completes no
    further sign-in, whichever code it is.

    pk ``TOTP#<user_id>``, sk ``STEP``; ``expires`` (TTL) once every code still accepted is newer.
    """

    newest_step = NumberAttribute()

    @staticmethod
    def key(user_id: str) -> tuple[str, str]:
        return f"TOTP#{user_id}", "STEP"

    def derive_keys(self) -> None:
        pass


class SearchIndexVersion(Item, discriminator="SearchIndexVersion"):
    """The published search index's current version (``marketplace.search_index.store``): one item.

    pk ``SEARCH_INDEX``, sk ``CURRENT``: ``version`` (a counter), ``object_key`` and ``object_version`` (the
    S3 object and its version), ``listings``, ``published_at``. Each publish is conditioned on the version
    its writer started from; the stream rule that has functions reload matches the partition (infra).
    """

    PARTITION, SORT = "SEARCH_INDEX", "CURRENT"

    version = NumberAttribute()
    object_key = UnicodeAttribute(attr_name="key")
    object_version = UnicodeAttribute(null=True)  # None where the bucket is not versioned
    listings = NumberAttribute(default=0)
    published_at = UTCDateTimeAttribute()

    @staticmethod
    def key() -> tuple[str, str]:
        return SearchIndexVersion.PARTITION, SearchIndexVersion.SORT

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key()


class ExportSeal(Item, discriminator="ExportSeal"):
    """The hash of a table export's manifest, kept in the table, chained to the previous export's seal:
    rewriting an export's data and manifest consistently in S3 still fails ``ops export verify``.

    pk ``EXPORT#<export_id>``, sk ``SEAL``. gsi5 ``EXPORTS`` -> ``<sealed_at>#<export_id>``: the chain,
    newest first (the previous seal of a new export).
    """

    export_id = UnicodeAttribute()
    manifest_key = UnicodeAttribute()
    manifest_sha256 = UnicodeAttribute()
    previous_export_id = UnicodeAttribute(null=True)
    chain_sha256 = UnicodeAttribute()  # sha256(previous chain_sha256 + manifest_sha256)
    sealed_at = UTCDateTimeAttribute(default_for_new=now)

    @staticmethod
    def key(export_id: str) -> tuple[str, str]:
        return f"EXPORT#{export_id}", "SEAL"

    COLLECTION = "EXPORTS"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.export_id)
        self.gsi5pk, self.gsi5sk = self.COLLECTION, f"{iso(self.sealed_at)}#{self.export_id}"

    @classmethod
    def chain(cls, **query):
        """Every seal in time order (gsi5)."""
        return cls.collection_index.query(cls.COLLECTION, **query)


# ---- market history: price and status changes (RESO HistoryTransactional) -----------------------------


class ListingHistory(Item, discriminator="ListingHistory"):
    """One price or status change of a listed listing (``marketplace.history`` decides which changes),
    written in the same transaction as the change.

    pk ``LISTING#<listing_id>``, sk ``METADATA#HISTORY#<history_id>`` (a ULID: time order). It sorts right
    after the listing's ``METADATA``, so the public detail reads the listing, its media and its history in
    one Query (``Listing.with_media_and_history``).
    gsi3 ``BROKER#<broker_id>`` -> ``HISTORY#<at>#<history_id>``: a broker's price moves (analytics).
    """

    listing_id = UnicodeAttribute()
    history_id = UnicodeAttribute()
    broker_id = UnicodeAttribute()
    change_type = UnicodeAttribute()  # marketplace.history.ChangeType
    at = UTCDateTimeAttribute()
    status = UnicodeAttribute()
    previous_status = UnicodeAttribute(null=True)
    price = NumberAttribute(null=True)  # whole NPR asked after the change; None: on request
    previous_price = NumberAttribute(null=True)

    SORT_PREFIX = "METADATA#HISTORY#"
    DESK_PREFIX = "HISTORY#"

    @staticmethod
    def key(listing_id: str, history_id: str) -> tuple[str, str]:
        return Listing.partition(listing_id), f"{ListingHistory.SORT_PREFIX}{history_id}"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.listing_id, self.history_id)
        self.gsi3pk = BrokerProfile.partition(self.broker_id)
        self.gsi3sk = f"{self.DESK_PREFIX}{iso(self.at)}#{self.history_id}"

    @classmethod
    def of_listing(cls, listing_id: str, **query):
        """A listing's history in time order."""
        return cls.query(Listing.partition(listing_id), cls.sk.startswith(cls.SORT_PREFIX), **query)

    @classmethod
    def of_broker(cls, broker_id: str, since: datetime | None = None, **query):
        """A broker's history items across their listings, in time order (gsi3), from ``since`` if given."""
        prefix = cls.DESK_PREFIX
        condition = (cls.gsi3sk.between(f"{prefix}{iso(since)}", f"{prefix}{KEY_END}") if since
                     else cls.gsi3sk.startswith(prefix))
        return cls.broker_index.query(BrokerProfile.partition(broker_id), condition, **query)


# Payments ----------------------------------------------------------------------------------------

class PaymentOrder(Item, discriminator="PaymentOrder"):
    """A buyer's order of a paid plan (``marketplace.payments.PLANS``), stored before the buyer is sent to
    the provider, and moved out of its open states once only (conditional writes).

    pk ``ORDER#<order_id>``, sk ``ORDER``. The order id is eSewa's ``transaction_uuid`` and Khalti's
    ``purchase_order_id``; Khalti's ``pidx`` is kept on it (``provider_ref``).
    gsi5 ``PAYMENTS#OPEN`` -> ``<created_at>#<order_id>`` while created or pending (sparse): the poller.
    gsi6 ``ORDERS#<user_id>`` -> ``<created_at>#<order_id>``: a buyer's orders, newest last.
    gsi3 ``PAYMENTS#ALL`` -> ``<created_at>#<order_id>``: every order by when it was placed (the admins' list
    of orders; a date range is a key range, provider, state and buyer are filters). One partition: orders
    are a few a minute at most, far below a partition's write limit.
    A provider's transaction completes one order only: a ``UNIQUE#payment#<provider>:<txn>`` guard.
    """

    not_found = ("no such order", "order_id")

    order_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    email = UnicodeAttribute(default="")
    plan = UnicodeAttribute()
    tier = UnicodeAttribute()
    days = NumberAttribute()
    amount = NumberAttribute()  # whole rupees
    provider = UnicodeAttribute()
    state = UnicodeAttribute(default="created")
    provider_ref = UnicodeAttribute(null=True)  # Khalti's pidx
    provider_txn = UnicodeAttribute(null=True)  # eSewa's ref_id / Khalti's transaction_id, once completed
    provider_status = UnicodeAttribute(null=True)  # the provider's own word at the last check
    failure = UnicodeAttribute(null=True)
    refunded_amount = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute(default_for_new=now)
    updated_at = UTCDateTimeAttribute(default=now)
    checked_at = UTCDateTimeAttribute(null=True)
    completed_at = UTCDateTimeAttribute(null=True)
    version = VersionAttribute()

    OPEN = "PAYMENTS#OPEN"
    ALL = "PAYMENTS#ALL"
    OPEN_STATES = ("created", "pending")

    @staticmethod
    def key(order_id: str) -> tuple[str, str]:
        return f"ORDER#{order_id}", "ORDER"

    @staticmethod
    def buyer_partition(user_id: str) -> str:
        return f"ORDERS#{user_id}"

    @staticmethod
    def transaction_guard(provider: str, transaction: str) -> tuple[str, str]:
        return Guard.unique_key("payment", f"{provider}:{transaction}")

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.order_id)
        position = f"{iso(self.created_at)}#{self.order_id}"
        if self.state in self.OPEN_STATES:
            self.gsi5pk, self.gsi5sk = self.OPEN, position
        else:
            self.gsi5pk = self.gsi5sk = None
        self.gsi6pk, self.gsi6sk = self.buyer_partition(self.user_id), position
        self.gsi3pk, self.gsi3sk = self.ALL, position

    @classmethod
    def placed_between(cls, start: datetime | None, end: datetime | None, **query):
        """Every order placed from ``start`` to before ``end`` (either open), oldest first (gsi3)."""
        return cls.broker_index.query(cls.ALL, cls._placed(start, end), **query)

    @classmethod
    def count_placed_between(cls, start: datetime | None, end: datetime | None, **query) -> int:
        return cls.broker_index.count(cls.ALL, cls._placed(start, end), **query)

    @classmethod
    def _placed(cls, start: datetime | None, end: datetime | None):
        if start and end:
            return cls.gsi3sk.between(iso(start), iso(end))  # ``<end>#<id>`` sorts after ``<end>``: left out
        if start:
            return cls.gsi3sk >= iso(start)
        return cls.gsi3sk < iso(end) if end else None

    @classmethod
    def open_before(cls, moment: datetime, **query):
        """Orders still open that were created before ``moment``, oldest first (gsi5, sparse)."""
        return cls.collection_index.query(cls.OPEN, cls.gsi5sk < iso(moment), **query)

    @classmethod
    def of_buyer(cls, user_id: str, **query):
        """The keys of a buyer's orders (gsi6)."""
        return cls.owner_index.query(cls.buyer_partition(user_id), **query)


# --- Alerts and delivery: preferences, suppressed addresses, saved searches, their match index, what was
# sent and what waits for a digest (marketplace.delivery, marketplace.alerts). ---


class DeliveryPreferences(Item, discriminator="DeliveryPreferences"):
    """How a person wants to hear from Shikhar: per channel, and in which language.

    pk ``USER#<user_id>``, sk ``PREFERENCES`` (next to the profile: ``/v1/me`` reads both in one Query).
    No item: every channel on, in English.
    """

    user_id = UnicodeAttribute()
    email = BooleanAttribute(default=True)
    push = BooleanAttribute(default=True)
    language = UnicodeAttribute(default="en")  # marketplace.delivery.messages.LANGUAGES
    # ---- push per buyer app: the apps the buyer registered (marketplace.delivery.BUYER_APPS); their push
    # goes to each one's topic, or to the notifications topic when none is registered.
    apps = ListAttribute(of=UnicodeAttribute, default=list)
    updated_at = UTCDateTimeAttribute(default=now)

    @staticmethod
    def key(user_id: str) -> tuple[str, str]:
        return UserProfile.partition(user_id), "PREFERENCES"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.user_id)


class EmailSuppression(Item, discriminator="EmailSuppression"):
    """An address SES reported as bouncing (permanently) or complaining: never mailed again.

    pk ``SUPPRESSED#<address, lower case>``, sk ``EMAIL``: one GetItem (or a BatchGet) before sending.
    gsi5 ``SUPPRESSIONS`` -> ``<created_at>#<address>``: the admins' list, newest first, by date.
    """

    address = UnicodeAttribute()
    reason = UnicodeAttribute()  # bounce | complaint
    detail = UnicodeAttribute(default="")
    created_at = UTCDateTimeAttribute(default_for_new=now)

    COLLECTION = "SUPPRESSIONS"
    PARTITION_PREFIX = "SUPPRESSED#"

    @staticmethod
    def key(address: str) -> tuple[str, str]:
        return f"{EmailSuppression.PARTITION_PREFIX}{address.strip().lower()}", "EMAIL"

    @classmethod
    def unlisted(cls):
        """Suppressions stored before the admins' list, without its keys (a filtered Scan: migration only)."""
        return cls.scan(cls.pk.startswith(cls.PARTITION_PREFIX) & cls.gsi5pk.does_not_exist())

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.address)
        self.gsi5pk, self.gsi5sk = self.COLLECTION, f"{iso(self.created_at)}#{self.address}"

    @classmethod
    def listed(cls, since: datetime, until: datetime, **query):
        """Suppressions made from ``since`` up to ``until`` (gsi5; newest first with scan_index_forward=False)."""
        return cls.collection_index.query(cls.COLLECTION, cls.gsi5sk.between(iso(since), f"{iso(until)}~"), **query)


class SavedSearch(Item, discriminator="SavedSearch"):
    """A buyer's saved search: a listings-search query, a name and how often to hear of new matches.

    pk ``USER#<user_id>``, sk ``ALERT#SEARCH#<search_id>``: a buyer's saved searches (one Query). The sort
    key sorts before ``PREFERENCES``/``PROFILE``, outside the profile's range.
    Its ``SearchMatchEntry`` items (the match index) are written in the same transaction.
    """

    not_found = ("no such saved search", "search_id")

    user_id = UnicodeAttribute()
    search_id = UnicodeAttribute()
    name = UnicodeAttribute()
    parameters = UnicodeAttribute()  # JSON: the listings search's parameters as the buyer gave them
    criteria = UnicodeAttribute()  # JSON: the search as validated, what matching runs (marketplace.alerts.searches)
    frequency = UnicodeAttribute()  # marketplace.alerts.searches.Frequency
    created_at = UTCDateTimeAttribute(default_for_new=now)
    updated_at = UTCDateTimeAttribute(default=now)
    version = VersionAttribute()

    SORT_PREFIX = "ALERT#SEARCH#"

    @staticmethod
    def key(user_id: str, search_id: str) -> tuple[str, str]:
        return UserProfile.partition(user_id), f"{SavedSearch.SORT_PREFIX}{search_id}"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.user_id, self.search_id)

    @classmethod
    def of_user(cls, user_id: str, **query):
        """A buyer's saved searches, oldest first (ids are ULIDs)."""
        return cls.query(UserProfile.partition(user_id), cls.sk.startswith(cls.SORT_PREFIX), **query)


class SavedSearchTally(Item, discriminator="SavedSearchTally"):
    """How many saved searches a buyer keeps: the cap's counter, changed in the same transaction as the
    search it counts, on a condition (below the cap to add one), so concurrent saves cannot pass the cap.

    pk ``USER#<user_id>``, sk ``ALERT#TALLY`` (outside the saved searches' ``ALERT#SEARCH#`` range). A buyer
    whose searches were saved before the tally existed has none: the first save counts them (one Query)
    and writes it on the condition that it still does not exist.
    """

    user_id = UnicodeAttribute()
    saved = NumberAttribute(default=0)

    @staticmethod
    def key(user_id: str) -> tuple[str, str]:
        return UserProfile.partition(user_id), "ALERT#TALLY"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.user_id)


class SearchMatchEntry(Item, discriminator="SearchMatchEntry"):
    """The match index: where an event on a listing finds the saved searches it may match.

    pk ``SEARCHMATCH#<neighbourhood or ANY>#<property type or ANY>``, sk ``<search_id>``: one entry per
    neighbourhood a search names (``ANY`` when it names none), so a listing's event reads four partitions
    (its neighbourhood and type, its neighbourhood and any type, any neighbourhood and its type, neither)
    and gets back only searches that agree on both. The entry carries the criteria and the price bounds, so
    matching reads nothing else; the exact match is then the search index's own query on the one listing.
    """

    search_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    criteria = UnicodeAttribute()  # the search's criteria (``SavedSearch.criteria``)
    frequency = UnicodeAttribute()
    min_price = NumberAttribute(null=True)
    max_price = NumberAttribute(null=True)

    ANY = "ANY"  # a search that names no neighbourhood, or no property type

    @staticmethod
    def partition(neighbourhood: str | None, property_type: str | None) -> str:
        return f"SEARCHMATCH#{neighbourhood or SearchMatchEntry.ANY}#{property_type or SearchMatchEntry.ANY}"

    @staticmethod
    def key(neighbourhood: str | None, property_type: str | None, search_id: str) -> tuple[str, str]:
        return SearchMatchEntry.partition(neighbourhood, property_type), search_id

    def derive_keys(self) -> None:  # keys are set by the caller through key(): one entry per neighbourhood
        pass

    @classmethod
    def partitions_for(cls, neighbourhood: str, property_type: str) -> list[str]:
        return [cls.partition(n, t) for n in (neighbourhood, None) for t in (property_type, None)]

    @classmethod
    def in_partition(cls, partition: str, **query):
        return cls.query(partition, **query)


class AlertSent(Item, discriminator="AlertSent"):
    """A listing already sent for a saved search (or a change already told to a buyer): written with a
    condition before sending, so nothing is sent twice. Expires after ``ALERT_MEMORY``.

    pk ``ALERTSENT#<search id, or FAVORITES#<user_id>>``, sk ``<listing id, or listing id#event id>``;
    a buyer's digest periods: pk ``ALERTSENT#DIGEST#<user_id>``, sk ``<frequency>#<period>``.
    """

    user_id = UnicodeAttribute()

    @staticmethod
    def key(scope: str, item: str) -> tuple[str, str]:
        return f"ALERTSENT#{scope}", item

    @staticmethod
    def favorites_scope(user_id: str) -> str:
        """The scope of a buyer's favorites' changes (a search's scope is its id)."""
        return f"FAVORITES#{user_id}"

    @staticmethod
    def digest_scope(user_id: str) -> str:
        """The scope of a buyer's digest periods (sk ``<frequency>#<period>``): one digest each."""
        return f"DIGEST#{user_id}"

    def derive_keys(self) -> None:  # keys are set by the caller through key()
        pass


class PendingAlert(Item, discriminator="PendingAlert"):
    """A match waiting for its buyer's digest.

    pk ``DIGEST#<frequency>``, sk ``<user_id>#<search_id>#<listing_id>``: a digest run reads its
    frequency's partition in buyer order, so each buyer's matches come together (one message each),
    and deletes what it sent. Matching writes them one at a time (well below a partition's write limit
    at this marketplace's scale; shard the partition by a user-id suffix past ~1,000 matches a second).
    """

    user_id = UnicodeAttribute()
    search_id = UnicodeAttribute()
    listing_id = UnicodeAttribute()
    search_name = UnicodeAttribute(default="")
    created_at = UTCDateTimeAttribute(default_for_new=now)

    @staticmethod
    def partition(frequency: str) -> str:
        return f"DIGEST#{frequency}"

    @staticmethod
    def key(frequency: str, user_id: str, search_id: str, listing_id: str) -> tuple[str, str]:
        return PendingAlert.partition(frequency), f"{user_id}#{search_id}#{listing_id}"

    def derive_keys(self) -> None:  # keys are set by the caller through key()
        pass

    @classmethod
    def waiting(cls, frequency: str, **query):
        """Every match waiting for this frequency's digest, in buyer order."""
        return cls.query(cls.partition(frequency), **query)


# Documents ---------------------------------------------------------------------------------------

class ListingDocument(PrivateFile, Item, discriminator="ListingDocument"):
    """A title deed (lalpurja), building permit (naksa pass) or completion certificate of a listing, held in
    the private documents bucket (``marketplace.services.documents``).

    pk ``LISTING#<listing_id>``, sk ``DOCUMENT#<document_id>`` (outside the detail's ``MEDIA#``..``METADATA``
    range: the public detail never reads it).
    """

    not_found = ("no such document", "document_id")

    listing_id = UnicodeAttribute()
    document_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    version = VersionAttribute()

    SORT_PREFIX = "DOCUMENT#"

    @staticmethod
    def key(listing_id: str, document_id: str) -> tuple[str, str]:
        return Listing.partition(listing_id), f"{ListingDocument.SORT_PREFIX}{document_id}"

    @property
    def object_key(self) -> str:
        return f"listings/{self.listing_id}/{self.document_id}"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.listing_id, self.document_id)

    @classmethod
    def of_listing(cls, listing_id: str, **query):
        """A listing's documents (one Query)."""
        return cls.query(Listing.partition(listing_id), cls.sk.startswith(cls.SORT_PREFIX), **query)


class DocumentsReview(Item, discriminator="DocumentsReview"):
    """What an admin read in a listing's documents when verifying them: plot (kitta) number, owner, noted
    restrictions. pk ``LISTING#<listing_id>``, sk ``DOCUMENTS#REVIEW``."""

    listing_id = UnicodeAttribute()
    plot_number = UnicodeAttribute()
    owner_name = UnicodeAttribute()
    restrictions = UnicodeAttribute(default="")
    reviewed_by = UnicodeAttribute()
    reviewed_at = UTCDateTimeAttribute(default=now)

    @staticmethod
    def key(listing_id: str) -> tuple[str, str]:
        return Listing.partition(listing_id), "DOCUMENTS#REVIEW"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.listing_id)


class DocumentAccess(Item, discriminator="DocumentAccess"):
    """A buyer's access to a listing's documents: asked for by the buyer, granted (or refused) by the
    listing's broker. pk ``LISTING#<listing_id>``, sk ``DOCACCESS#<buyer_id>``.
    gsi3 ``BROKER#<broker_id>`` -> ``DOCACCESS#PENDING#<requested_at>#<listing_id>#<buyer_id>`` while it waits,
    ``DOCACCESS#DECIDED#<decided_at>#<listing_id>#<buyer_id>`` once decided: the broker's requests, those
    waiting apart from those decided (each a key range, in time order).
    """

    listing_id = UnicodeAttribute()
    buyer_id = UnicodeAttribute()
    buyer_email = UnicodeAttribute(default="")
    broker_id = UnicodeAttribute()
    state = UnicodeAttribute(default="requested")  # requested | granted | refused
    requested_at = UTCDateTimeAttribute(default_for_new=now)
    decided_at = UTCDateTimeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    version = VersionAttribute()

    DESK_PREFIX = "DOCACCESS#"
    WAITING_PREFIX, DECIDED_PREFIX = "DOCACCESS#PENDING#", "DOCACCESS#DECIDED#"

    SORT_PREFIX = "DOCACCESS#"

    @staticmethod
    def key(listing_id: str, buyer_id: str) -> tuple[str, str]:
        return Listing.partition(listing_id), f"{DocumentAccess.SORT_PREFIX}{buyer_id}"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.listing_id, self.buyer_id)
        self.gsi3pk = BrokerProfile.partition(self.broker_id)
        if self.decided_at is None:
            position = f"{self.WAITING_PREFIX}{iso(self.requested_at)}"
        else:
            position = f"{self.DECIDED_PREFIX}{iso(self.decided_at)}"
        self.gsi3sk = f"{position}#{self.listing_id}#{self.buyer_id}"

    @classmethod
    def of_listing(cls, listing_id: str, **query):
        """The buyers who asked for one listing's documents (one Query)."""
        return cls.query(Listing.partition(listing_id), cls.sk.startswith(cls.SORT_PREFIX), **query)

    @classmethod
    def of_broker(cls, broker_id: str, *, decided: bool | None = None, **query):
        """Access requests to a broker's listings (gsi3): waiting ones by when they were asked
        (``decided=False``), decided ones by when they were decided (``decided=True``), or all."""
        prefix = cls.DESK_PREFIX if decided is None else cls.DECIDED_PREFIX if decided else cls.WAITING_PREFIX
        return cls.broker_index.query(BrokerProfile.partition(broker_id), cls.gsi3sk.startswith(prefix), **query)


class AccessLogEntry(Item, discriminator="AccessLogEntry"):
    """Someone was given a listing's private material (a document's signed URL), in RESO InternetTracking's
    words where it has them (``event_type`` ``DetailedView``, ``object_type`` ``Document``).

    pk ``ACCESSLOG#<listing_id>``, sk ``<entry_id>`` (a ULID: time order): a listing's log (its seller,
    broker, admins); expires by TTL after two years.
    """

    listing_id = UnicodeAttribute()
    entry_id = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    actor_id = UnicodeAttribute()
    actor_email = UnicodeAttribute(default="")
    event_type = UnicodeAttribute()
    object_type = UnicodeAttribute()
    object_id = UnicodeAttribute()
    object_label = UnicodeAttribute(default="")

    @staticmethod
    def partition(listing_id: str) -> str:
        return f"ACCESSLOG#{listing_id}"

    @staticmethod
    def key(listing_id: str, entry_id: str) -> tuple[str, str]:
        return AccessLogEntry.partition(listing_id), entry_id

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.listing_id, self.entry_id)

    @classmethod
    def of_listing(cls, listing_id: str, **query):
        """A listing's access log (newest first with ``scan_index_forward=False``)."""
        return cls.query(cls.partition(listing_id), **query)


# -- duplicate detection ------------------------------------------------------------------------------

class ListingFingerprint(Item, discriminator="ListingFingerprint"):
    """What duplicate detection compares of a listing that went through moderation: its broker, title,
    land, price, map point and the perceptual hashes of its photos (``marketplace.services.duplicates``).
    Written with each lifecycle transition and refreshed with each edit and photo change, in its transaction.

    pk ``LISTING#<id>``, sk ``FINGERPRINT`` (one per listing, in its partition); gsi5
    ``DUPES#<cell>`` -> ``<listing_id>``, ``cell`` the listing's geohash cut to ``CELL_PRECISION``
    characters (~1.2 km x 0.6 km): the candidates around a point are the Queries of its cell and the
    eight around it. A listing without a map point has no cell and is nobody's candidate.
    """

    CELL_PRECISION = 6
    SORT_KEY = "FINGERPRINT"

    listing_id = UnicodeAttribute()
    broker_id = UnicodeAttribute()
    title = UnicodeAttribute(default="")
    status = UnicodeAttribute()
    neighborhood = UnicodeAttribute(null=True)
    cell = UnicodeAttribute(null=True)
    latitude = DecimalAttribute(null=True)
    longitude = DecimalAttribute(null=True)
    land_area_sqft = DecimalAttribute(null=True)
    price = NumberAttribute(null=True)  # None: price on request
    photo_hashes = ListAttribute(of=UnicodeAttribute, default=list)
    updated_at = UTCDateTimeAttribute(default=now)

    @staticmethod
    def key(listing_id: str) -> tuple[str, str]:
        return Listing.partition(listing_id), ListingFingerprint.SORT_KEY

    @staticmethod
    def cell_partition(cell: str) -> str:
        return f"DUPES#{cell}"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.listing_id)
        self.clear_index_keys()
        if self.cell:
            self.gsi5pk, self.gsi5sk = self.cell_partition(self.cell), self.listing_id

    @classmethod
    def in_cell(cls, cell: str, **query):
        """The fingerprints of one cell (gsi5)."""
        return cls.collection_index.query(cls.cell_partition(cell), **query)


# ---- exchange rates (display only) ----------------------------------------------------------------------


class ExchangeRates(Item, discriminator="ExchangeRates"):
    """The latest daily reference rates of a source (Nepal Rastra Bank), stored by the scheduled fetch
    (``marketplace.services.exchange_rates``) and read by the API once per container and cache period.

    pk ``RATES#<source>``, sk ``LATEST``. Never goes back to an older day (conditional put).
    """

    source = UnicodeAttribute()
    rate_date = UnicodeAttribute()  # yyyy-mm-dd: the day NRB's sheet is for
    published_on = UnicodeAttribute(default="")
    # currency -> {"unit": n, "buy": "141.50", "sell": "142.10"} (decimal strings, as NRB writes them)
    rates = MapAttribute(default=dict)
    fetched_at = UTCDateTimeAttribute(default=now)

    LATEST = "LATEST"

    @staticmethod
    def key(source: str) -> tuple[str, str]:
        return f"RATES#{source}", ExchangeRates.LATEST

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.source)


# ---- viewing requests (RESO ShowingAppointment) ---------------------------------------------------------


class ViewingRequest(Item, discriminator="ViewingRequest"):
    """A buyer's request to view a listing at one of up to three proposed times; its broker confirms one
    (``marketplace.services.viewings``). Unconfirmed after ``expires_at`` (24 hours), it expires.

    pk ``LISTING#<listing_id>``, sk ``VIEWING#<viewing_id>`` (a ULID; outside the detail's range).
    gsi3 ``BROKER#<broker_id>`` -> ``VIEWING#<viewing_id>``: the broker's viewing requests, newest first.
    gsi5 ``VIEWINGS#REQUESTED`` -> ``<expires_at>#<viewing_id>`` while requested (sparse): the expiry sweep.
    gsi6 ``BUYER#<buyer_id>`` -> ``VIEWING#<viewing_id>``: a buyer's requests (keys only: then one BatchGet).
    """

    not_found = ("no such viewing request", "viewing_id")

    viewing_id = UnicodeAttribute()
    listing_id = UnicodeAttribute()
    listing_title = UnicodeAttribute(default="")
    broker_id = UnicodeAttribute()
    buyer_id = UnicodeAttribute()
    buyer_name = UnicodeAttribute(default="")
    buyer_email = UnicodeAttribute(default="")
    buyer_phone = UnicodeAttribute(default="")
    message = UnicodeAttribute(default="")
    slots = ListAttribute(of=UTCDateTimeAttribute)  # proposed start times, up to three
    duration_minutes = NumberAttribute(default=60)
    state = UnicodeAttribute(default="requested")  # marketplace.services.viewings.ViewingState
    confirmed_start = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default_for_new=now)
    expires_at = UTCDateTimeAttribute()
    decided_at = UTCDateTimeAttribute(null=True)  # confirmed, declined, cancelled or expired
    reason = UnicodeAttribute(default="")  # the broker's reason to decline, the buyer's to cancel
    version = VersionAttribute()

    SORT_PREFIX = "VIEWING#"
    REQUESTED = "VIEWINGS#REQUESTED"

    @staticmethod
    def key(listing_id: str, viewing_id: str) -> tuple[str, str]:
        return Listing.partition(listing_id), f"{ViewingRequest.SORT_PREFIX}{viewing_id}"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.listing_id, self.viewing_id)
        self.gsi3pk, self.gsi3sk = BrokerProfile.partition(self.broker_id), f"{self.SORT_PREFIX}{self.viewing_id}"
        if self.state == "requested":
            self.gsi5pk, self.gsi5sk = self.REQUESTED, f"{iso(self.expires_at)}#{self.viewing_id}"
        else:
            self.gsi5pk = self.gsi5sk = None
        self.gsi6pk, self.gsi6sk = Inquiry.buyer_partition(self.buyer_id), f"{self.SORT_PREFIX}{self.viewing_id}"

    @classmethod
    def of_broker(cls, broker_id: str, **query):
        """A broker's viewing requests across their listings, in time order (gsi3)."""
        return cls.broker_index.query(BrokerProfile.partition(broker_id), cls.gsi3sk.startswith(cls.SORT_PREFIX),
                                      **query)

    @classmethod
    def of_buyer(cls, buyer_id: str, since_id: str = "", **query):
        """The keys of a buyer's viewing requests, with ids from ``since_id`` on (ULIDs: time order) (gsi6)."""
        return Item.owner_index.query(Inquiry.buyer_partition(buyer_id),
                                      Item.gsi6sk.between(f"{cls.SORT_PREFIX}{since_id}", f"{cls.SORT_PREFIX}~"),
                                      **query)

    @classmethod
    def due_before(cls, moment: datetime, **query):
        """Requests still unconfirmed whose 24 hours ended before ``moment``, oldest first (gsi5, sparse)."""
        return cls.collection_index.query(cls.REQUESTED, cls.gsi5sk < iso(moment), **query)


# ---- viewing requests: a buyer's open requests, for the limit in all -------------------------------------


class ViewingTally(Item, discriminator="ViewingTally"):
    """A buyer's open viewing requests and when each stops being open (its 24 hours while it waits, its
    confirmed time once confirmed): the limit in all (``MAX_OPEN``) is checked against it and it is written
    in the same transaction as the request it counts, at the version read (``VersionAttribute``), so two
    requests at once cannot both take the last place. Confirming moves an entry's end; a cancel or a
    decline removes it; an expiry needs no write (an entry past its end no longer counts, and is dropped by
    the next write).

    pk ``USER#<buyer_id>``, sk ``VIEWING#TALLY``. A buyer whose requests were made before the tally existed
    has none: the first write builds it from their recent requests (one Query, one BatchGet) on the
    condition that it still does not exist.
    """

    buyer_id = UnicodeAttribute()
    open_until = MapAttribute(default=dict)  # viewing id -> ISO time (UTC) it stops being open
    version = VersionAttribute()

    @staticmethod
    def key(buyer_id: str) -> tuple[str, str]:
        return UserProfile.partition(buyer_id), "VIEWING#TALLY"

    def derive_keys(self) -> None:
        self.pk, self.sk = self.key(self.buyer_id)
