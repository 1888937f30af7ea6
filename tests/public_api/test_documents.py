"""A listing's documents: uploaded by its broker or seller to the private documents bucket and checked,
verified by an admin (the badge buyers see), asked for by premium and investor buyers, granted per buyer
by the broker, served only by short-lived signed URL and logged for the seller. A document is never
reachable without a grant."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
import requests

from marketplace.actors import Actor, Group
from marketplace.aws import client
from marketplace.config import settings
from marketplace.entitlements import Entitlements
from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.models import DocumentAccess
from marketplace.services import documents, people
from tests.marketplace.test_delivery import _notify_all as deliver_notifications
from tests.public_api.conftest import get
from tests.public_api.test_premium_media import upload as upload_media
from tests.shared.listings import make_listing
from tests.shared.mail import mail_to
from tests.shared.people import ADMIN, OTHER_BROKER

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def seller(lister) -> Actor:
    people.seller_create(actor=lister, name="Sita Shrestha", seller_id="seller-sita")
    return Actor(user_id="seller-sita", email="sita@test.shikhar.np", groups=frozenset({Group.SELLERS}))


@pytest.fixture
def listing(lister, seller):
    return make_listing(lister, status="active", title="Villa with papers", seller_id=seller.user_id)


def upload(actor, listing_id: str, *, kind: str = "title", data: bytes = PDF, content_type: str = "application/pdf"):
    slot = documents.document_request_upload(actor=actor, listing_id=listing_id, kind=kind,
                                             content_type=content_type, size=len(data), filename=f"{kind}.pdf")
    response = requests.post(slot.url, data=slot.fields, files={"file": ("upload", io.BytesIO(data))}, timeout=30)
    assert response.status_code in (200, 204), response.text
    return documents.document_confirm_upload(actor=actor, listing_id=listing_id, document_id=slot.document.document_id)


def ask(api, person, listing_id):
    return requests.post(f"{api}/v1/listings/{listing_id}/documents/access", headers=person.headers, timeout=30)


def test_the_documents_bucket_is_private_and_encrypted_with_its_own_key(platform):
    s3 = client("s3")
    bucket = settings().documents_bucket
    blocked = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]

    assert all(blocked.values())
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"


def test_a_document_is_never_reachable_without_a_grant(api, listing, lister, premium_buyer, investor, buyer):
    title = upload(lister, listing.listing_id)
    bucket, key = settings().documents_bucket, title.object_key
    # the object itself: no anonymous read, and no URL from any public route
    assert requests.get(f"{settings().endpoint_url}/{bucket}/{key}", timeout=10).status_code == 403
    detail = get(api, f"/v1/listings/{listing.listing_id}", premium_buyer).text
    assert key not in detail and bucket not in detail
    # a free buyer may not even ask; premium members who asked, or were refused, get no link
    assert ask(api, buyer, listing.listing_id).status_code == 403
    assert ask(api, premium_buyer, listing.listing_id).status_code == 201
    assert ask(api, investor, listing.listing_id).status_code == 201
    decide(actor=lister, listing_id=listing.listing_id, buyer_id=investor.user_id, grant=False)
    for person, state in ((premium_buyer, "requested"), (investor, "refused")):
        seen = get(api, f"/v1/listings/{listing.listing_id}/documents", person).json()
        assert (seen["access"]["state"], seen["documents"]) == (state, [])
    # the broker sees both requests; only the listing's broker (or an admin) decides
    assert {a.buyer_id for a in documents.access_requests_for_broker(actor=lister)} == {
        premium_buyer.user_id, investor.user_id}
    with pytest.raises(NotFound):
        decide(actor=OTHER_BROKER, listing_id=listing.listing_id, buyer_id=premium_buyer.user_id, grant=True)


def decide(*, actor, listing_id: str, buyer_id: str, grant: bool):
    """The broker's decision on the request as their page showed it (its version)."""
    shown = DocumentAccess.get_or_none(listing_id, buyer_id, consistent=True)
    return documents.document_access_decide(actor=actor, listing_id=listing_id, buyer_id=buyer_id, grant=grant,
                                            expected_version=shown.version if shown else 0)


def test_a_decision_from_a_stale_page_is_refused_and_changes_nothing(api, listing, lister, premium_buyer):
    # Given a request the broker's page showed, then granted by an admin meanwhile
    upload(lister, listing.listing_id)
    assert ask(api, premium_buyer, listing.listing_id).status_code == 201
    shown = DocumentAccess.get_or_none(listing.listing_id, premium_buyer.user_id, consistent=True).version
    documents.document_access_decide(actor=ADMIN, listing_id=listing.listing_id, buyer_id=premium_buyer.user_id,
                                     grant=True, expected_version=shown)

    # When the broker refuses it from the page they opened before
    with pytest.raises(Conflict) as refused:
        documents.document_access_decide(actor=lister, listing_id=listing.listing_id,
                                         buyer_id=premium_buyer.user_id, grant=False, expected_version=shown)

    # Then they are told to reload, and the admin's grant stands
    assert refused.value.field == "expected_version" and "reload" in refused.value.message
    assert DocumentAccess.get_or_none(listing.listing_id, premium_buyer.user_id).state == "granted"


def test_a_granted_buyer_gets_a_short_lived_signed_link_and_the_seller_sees_it_logged(
        api, listing, lister, seller, premium_buyer):
    upload(lister, listing.listing_id)
    upload(seller, listing.listing_id, kind="building_permit")
    assert ask(api, premium_buyer, listing.listing_id).status_code == 201
    assert ask(api, premium_buyer, listing.listing_id).status_code == 200  # asking again changes nothing

    decide(actor=lister, listing_id=listing.listing_id, buyer_id=premium_buyer.user_id, grant=True)
    seen = get(api, f"/v1/listings/{listing.listing_id}/documents", premium_buyer).json()

    assert seen["access"]["state"] == "granted"
    assert sorted(d["kind"] for d in seen["documents"]) == ["building_permit", "title"]
    link = seen["documents"][0]["url"]
    assert "X-Amz-Expires=300" in link and "X-Amz-Signature=" in urlsplit(link).query
    assert requests.get(link, timeout=10).content == PDF
    log = documents.access_log(actor=seller, listing_id=listing.listing_id)
    assert len(log) == 2
    assert {(e.actor_id, e.event_type, e.object_type) for e in log} == {(premium_buyer.user_id, "DetailedView", "Document")}
    assert {e.object_label for e in log} == {"Title deed (lalpurja)", "Building permit (naksa pass)"}


def test_a_lapsed_membership_gets_no_link_even_with_a_grant(api, listing, lister, lapsed_buyer, premium_buyer):
    upload(lister, listing.listing_id)
    documents.document_access_request(actor=lapsed_buyer.actor, listing_id=listing.listing_id,
                                      entitlements=Entitlements(tier="premium", active=True))
    decide(actor=lister, listing_id=listing.listing_id, buyer_id=lapsed_buyer.user_id, grant=True)

    seen = get(api, f"/v1/listings/{listing.listing_id}/documents", lapsed_buyer).json()

    assert seen["access"]["state"] == "granted" and seen["documents"] == []


def test_an_upload_that_is_not_what_it_claims_is_deleted_and_refused(listing, lister):
    with pytest.raises(ValidationError) as refused:
        upload(lister, listing.listing_id, data=b"MZ\x90\x00 this is a program, not a PDF")

    assert refused.value.field == "file"
    assert client("s3").list_objects_v2(Bucket=settings().documents_bucket).get("KeyCount", 0) == 0
    assert [d.state for d in documents.documents_of_listing(listing_id=listing.listing_id)] == ["rejected"]


@pytest.mark.parametrize("change, field", [
    ({"kind": "passport"}, "kind"), ({"content_type": "text/html"}, "content_type"),
    ({"size": 16 * 1024 * 1024}, "size"), ({"filename": " "}, "filename")])
def test_a_document_upload_is_validated_naming_the_field(listing, lister, change, field):
    wanted = {"kind": "title", "content_type": "application/pdf", "size": 1000, "filename": "lalpurja.pdf", **change}

    with pytest.raises(ValidationError) as refused:
        documents.document_request_upload(actor=lister, listing_id=listing.listing_id, **wanted)

    assert refused.value.field == field


def test_only_the_listings_broker_seller_or_an_admin_upload_documents(listing):
    with pytest.raises(NotFound):
        upload(OTHER_BROKER, listing.listing_id)


def test_an_admin_verifies_the_documents_and_buyers_see_the_badge(api, listing, lister):
    assert get(api, f"/v1/listings/{listing.listing_id}").json()["documents_verified_at"] is None
    with pytest.raises(ValidationError) as missing:
        documents.documents_verify(actor=ADMIN, listing_id=listing.listing_id, plot_number="KITTA-1234",
                                   owner_name="Sita Shrestha", expected_version=listing.version)
    assert missing.value.field == "documents"
    upload(lister, listing.listing_id)
    with pytest.raises(PermissionDenied):
        documents.documents_verify(actor=lister, listing_id=listing.listing_id, plot_number="KITTA-1234",
                                   owner_name="Sita Shrestha", expected_version=listing.version)

    verified = documents.documents_verify(actor=ADMIN, listing_id=listing.listing_id, plot_number="KITTA-1234",
                                          owner_name="Sita Shrestha", restrictions="road widening 2 m",
                                          expected_version=listing.version)

    assert verified.documents_verified_at is not None
    assert get(api, f"/v1/listings/{listing.listing_id}").json()["documents_verified_at"] is not None


def test_the_broker_is_emailed_when_a_buyer_asks_for_the_documents(api, listing, premium_buyer):
    ask(api, premium_buyer, listing.listing_id)

    deliver_notifications()

    [sent] = [m for m in mail_to("lister@test.shikhar.np") if m.subject.startswith("Documents requested")]
    assert "Villa with papers" in sent.subject and f"/listings/{listing.listing_id}/" in sent.text


def test_the_seller_sees_who_was_given_the_premium_media(api, lister, seller, premium_buyer, buyer):
    listing = make_listing(lister, status="active", title="Premium villa", premium=True, seller_id=seller.user_id)
    drone = upload_media(listing, lister, kind="drone")

    get(api, f"/v1/listings/{listing.listing_id}", premium_buyer)
    get(api, f"/v1/listings/{listing.listing_id}", buyer)  # locked for a free buyer: nothing given, nothing logged
    get(api, f"/v1/listings/{listing.listing_id}")

    log = documents.access_log(actor=seller, listing_id=listing.listing_id)
    assert [(e.actor_id, e.event_type, e.object_type, e.object_id) for e in log] == [
        (premium_buyer.user_id, "DetailedView", "Photo", drone.media_id)]
