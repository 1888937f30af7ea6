"""Buyers' requests for a listing's documents across a broker's listings, and the buyer told of the
broker's decision by e-mail (through SES on the emulator)."""

from __future__ import annotations

from marketplace.actors import Actor, Group
from marketplace.entitlements import Entitlements
from marketplace.lifecycle import Status
from marketplace.services import documents
from marketplace.services.people import user_profile_sync
from tests.marketplace.test_delivery import _notify_all
from tests.shared.listings import make_listing
from tests.shared.mail import mail_to

PREMIUM = Entitlements(tier="premium", active=True)


def _buyer(n: int) -> Actor:
    buyer = Actor(user_id=f"buyer-docs-{n}", email=f"asha{n}@example.np", groups=frozenset({Group.BUYERS}))
    user_profile_sync(user_id=buyer.user_id, email=buyer.email, groups=[Group.BUYERS], name=f"Asha {n}")
    return buyer


def _decide(broker, access, *, grant: bool):
    return documents.document_access_decide(actor=broker, listing_id=access.listing_id, buyer_id=access.buyer_id,
                                            grant=grant, expected_version=access.version)


def test_a_broker_sees_every_listings_requests_the_waiting_ones_first_longest_waiting_on_top(platform, broker,
                                                                                               other_broker):
    # Given buyers asking for the documents of two of the broker's listings (and one of another broker's)
    villa = make_listing(broker, status=Status.ACTIVE, title="Villa in Bhaisepati")
    flat = make_listing(broker, status=Status.ACTIVE, title="Penthouse in Sanepa")
    elsewhere = make_listing(other_broker, status=Status.ACTIVE, title="Bungalow in Bansbari")
    asked = [documents.document_access_request(actor=_buyer(n), listing_id=listing.listing_id,
                                               entitlements=PREMIUM)[0]
             for n, listing in enumerate((villa, flat, villa, elsewhere))]

    # When the broker grants the first request (the oldest)
    _decide(broker, asked[0], grant=True)

    # Then their list holds the two still waiting, oldest first, then the decided one; not the other broker's
    shown = documents.access_requests_for_broker(actor=broker)
    assert [(a.listing_id, a.buyer_id, a.state) for a in shown] == [
        (flat.listing_id, asked[1].buyer_id, "requested"), (villa.listing_id, asked[2].buyer_id, "requested"),
        (villa.listing_id, asked[0].buyer_id, "granted")]


def test_the_buyer_is_emailed_the_brokers_decision(platform, broker):
    # Given two premium buyers who asked for a villa's documents
    villa = make_listing(broker, status=Status.ACTIVE, title="Villa in Bhaisepati")
    granted, refused = _buyer(10), _buyer(11)
    first = documents.document_access_request(actor=granted, listing_id=villa.listing_id, entitlements=PREMIUM)[0]
    second = documents.document_access_request(actor=refused, listing_id=villa.listing_id, entitlements=PREMIUM)[0]

    # When the broker grants one and refuses the other
    _decide(broker, first, grant=True)
    _decide(broker, second, grant=False)
    _notify_all()

    # Then each hears the decision, with a link to the listing on the buyers' site
    [yes] = mail_to(granted.email)
    assert yes.subject == "You may now see the documents of “Villa in Bhaisepati”"
    assert f"/listings/{villa.listing_id}" in yes.text and "Namaste Asha 10" in yes.text
    [no] = mail_to(refused.email)
    assert no.subject == "About the documents of “Villa in Bhaisepati”" and "did not share" in no.text
