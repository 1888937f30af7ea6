"""A listing's documents in the back office: the broker uploads through a plain form straight to the
private bucket (S3 sends the browser back to have the file checked), the admin verifies them beside the
listing, the broker grants a buyer, and the seller reads who opened what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests
from hypothesis import given
from hypothesis import strategies as st

from marketplace import db
from marketplace.entitlements import Entitlements
from marketplace.ids import new_id
from marketplace.models import PaymentOrder
from marketplace.selectors.people import entitlements_for
from marketplace.services import documents
from marketplace.services import people as people_services
from tests.backoffice.test_properties import SETTINGS, _no_5xx, text
from tests.shared.pages import visible_text

PDF = b"%PDF-1.4\n% a title deed\n%%EOF\n"


def test_documents_go_from_the_brokers_upload_to_the_admins_verification_and_the_sellers_log(
        signed_in, people, listing_factory):
    people_services.seller_create(actor=people["broker"].actor, name="Sita", seller_id=people["seller"].user_id)
    listing = listing_factory(status="active", seller_id=people["seller"].user_id)
    broker = signed_in("broker")
    page = f"/listings/{listing.listing_id}/documents/"

    # the broker chooses the kind, posts the file to the bucket, and S3 sends the browser back to be checked
    form = broker.post(f"{page}slot/", {"kind": "title", "content_type": "application/pdf"})
    slot = form.context["slot"]
    stored = requests.post(slot.url, data=slot.fields, files={"file": ("lalpurja.pdf", PDF)}, timeout=30,
                           allow_redirects=False)
    assert stored.status_code == 303
    back = stored.headers["Location"]
    assert back.startswith("http://testserver" + page + "uploaded/")
    broker.get(back.removeprefix("http://testserver"), follow=True)
    assert [d.state for d in documents.documents_of_listing(listing_id=listing.listing_id)] == ["uploaded"]

    # the admin reviews beside the listing and verifies; a buyer's request is granted by the broker
    admin = signed_in("admin")
    review = admin.get(page)
    assert b"Mark documents verified" in review.content and b"lalpurja" in review.content
    admin.post(f"{page}verify/", {"plot_number": "Kitta 512", "owner_name": "Sita Shrestha",
                                  "restrictions": "", "version_read": review.context["listing"].version})
    documents.document_access_request(actor=people["buyer"].actor, listing_id=listing.listing_id,
                                      entitlements=Entitlements(tier="premium", active=True))
    requests_shown = broker.get(page).context["requests"]
    broker.post(f"{page}decide/", {"buyer_id": people["buyer"].user_id, "decision": "grant",
                                   "expected_version": requests_shown[0].version})
    _, links = documents.documents_for_buyer(actor=people["buyer"].actor, listing_id=listing.listing_id,
                                             entitlements=Entitlements(tier="premium", active=True))
    assert requests.get(links[0].url, timeout=10).content == PDF

    # the seller sees the badge and who opened what; another broker gets nothing
    seller_page = signed_in("seller").get(page)
    assert b"Documents verified" in seller_page.content
    assert [(e.actor_id, e.event_type) for e in seller_page.context["log"]] == [(people["buyer"].user_id, "DetailedView")]
    # the log says what happened in words (RESO's DetailedView of a Document is stored, not shown)
    logged = visible_text(seller_page.content)
    assert "Opened: document" in logged and "DetailedView" not in logged
    assert b"Grant" not in seller_page.content
    assert signed_in("other_broker").get(page).status_code == 404


def test_an_admin_opening_a_document_gets_a_signed_link_and_is_logged(signed_in, people, listing_factory):
    listing = listing_factory(status="active")
    slot = documents.document_request_upload(actor=people["broker"].actor, listing_id=listing.listing_id,
                                             kind="building_permit", content_type="application/pdf", size=len(PDF),
                                             filename="naksa.pdf")
    requests.post(slot.url, data=slot.fields, files={"file": ("naksa.pdf", PDF)}, timeout=30)
    documents.document_confirm_upload(actor=people["broker"].actor, listing_id=listing.listing_id,
                                      document_id=slot.document.document_id)

    opened = signed_in("admin").get(f"/listings/{listing.listing_id}/documents/{slot.document.document_id}/")

    assert opened.status_code == 302 and "X-Amz-Signature=" in opened["Location"]
    assert requests.get(opened["Location"], timeout=10).content == PDF
    log = documents.access_log(actor=people["broker"].actor, listing_id=listing.listing_id)
    assert [(e.actor_id, e.object_label) for e in log] == [(people["admin"].user_id, "Building permit (naksa pass)")]


def test_the_documents_routes_never_answer_a_5xx(signed_in, listing_factory):
    listing = listing_factory(status="active")
    page = f"/listings/{listing.listing_id}/documents/"
    browser = signed_in("broker")
    admin = signed_in("admin")

    @SETTINGS
    @given(data=st.fixed_dictionaries({}, optional={name: text for name in (
        "kind", "content_type", "buyer_id", "decision", "plot_number", "owner_name", "restrictions", "version_read")}),
        key=text)
    def post(data, key):
        for person in (browser, admin):
            for route in ("slot/", "decide/", "verify/"):
                _no_5xx(person.post(f"{page}{route}", data))
            _no_5xx(person.get(f"{page}uploaded/", {"key": key}))
        _no_5xx(browser.get(page))

    post()


def test_an_admin_records_a_refund_on_the_buyers_page_and_may_end_the_plan(signed_in, people):
    buyer = people["buyer"]
    people_services.user_profile_sync(user_id=buyer.user_id, email=buyer.email, groups=list(buyer.groups))
    # given a buyer whose eSewa payment completed (the order and the term it granted)
    order = PaymentOrder(order_id=new_id(), user_id=buyer.user_id, plan="premium-month", tier="premium", days=30,
                         amount=2500, provider="esewa", state="completed", provider_txn="0007G36")
    db.save(order)
    people_services.subscription_grant(actor=people["admin"].actor, user_id=buyer.user_id, tier="premium",
                                       expires_at=datetime.now(UTC) + timedelta(days=30), reason="paid",
                                       expected_version=None)
    assert entitlements_for(user_id=buyer.user_id).premium_media
    admin = signed_in("admin")
    page = admin.get(f"/admin/people/{buyer.user_id}/")
    assert order.order_id.encode() in page.content and b"Record refund" in page.content

    refused = admin.post(f"/admin/orders/{order.order_id}/refund/", {"amount": "9999", "reason": "too much"},
                         follow=True)
    assert b"amount" in refused.content
    admin.post(f"/admin/orders/{order.order_id}/refund/", {"amount": "2500", "reason": "bought twice",
                                                           "end_access": "1"})

    assert PaymentOrder.get_or_none(order.order_id, consistent=True).state == "refunded"
    assert not entitlements_for(user_id=buyer.user_id).premium_media


def test_a_broker_decides_buyers_requests_from_one_list_across_their_listings(signed_in, people, listing_factory):
    # Given a premium buyer asking for the documents of one of the broker's listings
    listing = listing_factory(status="active", title="Courtyard villa in Bhaisepati")
    documents.document_access_request(actor=people["buyer"].actor, listing_id=listing.listing_id,
                                      entitlements=Entitlements(tier="premium", active=True))
    broker = signed_in("broker")

    # When the broker opens the list of requests: it waits there with the listing's title and the buyer
    page = broker.get("/broker/documents/")
    [(waiting, shown_listing)] = page.context["waiting"]
    assert shown_listing.title == "Courtyard villa in Bhaisepati" and waiting.buyer_id == people["buyer"].user_id
    assert people["buyer"].email in page.content.decode()

    # and grants it from there, at the version the list showed
    done = broker.post(f"/listings/{listing.listing_id}/documents/decide/", {
        "buyer_id": waiting.buyer_id, "decision": "grant", "expected_version": waiting.version, "back": "requests"},
        follow=True)

    # Then the list shows it decided, and a second decision from the stale list is refused with nothing written
    assert done.request["PATH_INFO"] == "/broker/documents/"
    assert done.context["waiting"] == [] and [a.state for a, _ in done.context["decided"]] == ["granted"]
    stale = broker.post(f"/listings/{listing.listing_id}/documents/decide/", {
        "buyer_id": waiting.buyer_id, "decision": "refuse", "expected_version": waiting.version, "back": "requests"},
        follow=True)
    assert "reload" in stale.content.decode()
    assert [a.state for a, _ in stale.context["decided"]] == ["granted"]
    # another broker sees none of it, and the page is the brokers'
    assert signed_in("other_broker").get("/broker/documents/").context["waiting"] == []
    assert signed_in("admin").get("/broker/documents/").status_code == 403
