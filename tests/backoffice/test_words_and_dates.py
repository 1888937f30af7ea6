"""Every page speaks through the one formatting layer: states in words (as badges), dates and times in
Kathmandu as "1 Dec 2026, 14:30", file types by name. Pages are rendered with the test client as an admin,
a broker and a seller see them, with orders, documents, document access, viewings and licence evidence in
several states, and their visible text is read the way a person reads it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
import requests

from marketplace import db, formatting
from marketplace.entitlements import Entitlements
from marketplace.errors import ValidationError
from marketplace.ids import new_id
from marketplace.leads import LeadState
from marketplace.media_kinds import MediaState
from marketplace.models import PaymentOrder
from marketplace.payments import OrderState
from marketplace.selectors.agencies import licence_of_broker
from marketplace.services import agencies, documents
from marketplace.services import people as people_services
from marketplace.services.documents import AccessState
from marketplace.services.viewings import ViewingState, viewing_decline, viewing_request
from tests.shared.pages import visible_text

PDF = b"%PDF-1.4\n% a title deed\n%%EOF\n"
# Every stored state and status code a page could leak as it is stored ("pending_review", "completed").
CODES = ({*formatting.STATUS_WORDS} | {code for states in formatting.RECORD_STATES.values() for code in states}
         | {s.value for s in LeadState})
ISO_MOMENT = re.compile(r"\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d")


class _Texts(HTMLParser):
    """Each piece of text a page shows, on its own (a table cell's, a badge's, an option's)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        self._hidden += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._hidden -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def _raw_words(html: bytes) -> set[str]:
    parser = _Texts()
    parser.feed(html.decode())
    return {text for text in parser.texts if text in CODES}


def _speaks_in_words(page) -> str:
    """The page's visible text, once checked: no state code, no ISO moment, no MIME type."""
    assert page.status_code == 200
    text = visible_text(page.content)
    assert _raw_words(page.content) == set(), page.request["PATH_INFO"]
    assert not ISO_MOMENT.search(text), (page.request["PATH_INFO"], ISO_MOMENT.search(text))
    assert "application/pdf" not in text and "image/jpeg" not in text, page.request["PATH_INFO"]
    return text


@pytest.mark.parametrize(("record", "states"), [("order", OrderState), ("access", AccessState),
                                                ("viewing", ViewingState), ("media", MediaState)])
def test_every_state_of_every_record_has_its_words_and_tone(record, states):
    # Given each state the domain stores, then the formatting layer names it (no more, no fewer) and tones it
    assert set(formatting.RECORD_STATES[record]) == {s.value for s in states}
    for code in states:
        assert formatting.state_tone(code, record) in ("ok", "bad", "quiet")


def _document(people, listing_id: str, content: bytes, filename: str):
    broker = people["broker"].actor
    slot = documents.document_request_upload(actor=broker, listing_id=listing_id, kind="title",
                                             content_type="application/pdf", size=len(content), filename=filename)
    requests.post(slot.url, data=slot.fields, files={"file": (filename, content)}, timeout=30)
    try:
        return documents.document_confirm_upload(actor=broker, listing_id=listing_id,
                                                 document_id=slot.document.document_id)
    except ValidationError:
        return None


def _evidence(people) -> str:
    """The agency's licence certificate, uploaded by its principal broker (the broker)."""
    broker = people["broker"].actor
    agency_id = licence_of_broker(broker_id=broker.user_id).agency_id
    agencies.broker_agency_set(actor=people["admin"].actor, broker_id=broker.user_id, agency_id=agency_id,
                               principal=True)
    slot = agencies.agency_evidence_request_upload(actor=broker, agency_id=agency_id, content_type="application/pdf",
                                                   size=len(PDF), filename="licence.pdf")
    requests.post(slot.url, data=slot.fields, files={"file": ("licence.pdf", PDF)}, timeout=30)
    agencies.agency_evidence_confirm(actor=broker, agency_id=agency_id, file_id=slot.evidence.file_id)
    return agency_id


def test_admin_broker_and_seller_pages_show_states_dates_and_file_types_in_words(signed_in, people,
                                                                                 listing_factory):
    # Given a listing with a title deed and a rejected file, a buyer asking for them, two viewing requests
    # (one declined), a paid and a failed order, and the agency's licence evidence
    buyer = people["buyer"]
    people_services.seller_create(actor=people["broker"].actor, name="Sita", seller_id=people["seller"].user_id)
    listing = listing_factory(status="active", seller_id=people["seller"].user_id)
    deed = _document(people, listing.listing_id, PDF, "lalpurja.pdf")
    _document(people, listing.listing_id, b"MZ not a pdf", "naksa.pdf")
    documents.document_access_request(actor=buyer.actor, listing_id=listing.listing_id,
                                      entitlements=Entitlements(tier="premium", active=True))
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    viewing_request(actor=buyer.actor, listing_id=listing.listing_id, entitlements=Entitlements(), slots=[start],
                    name="Sita Rai")
    other = listing_factory(status="active")
    declined = viewing_request(actor=buyer.actor, listing_id=other.listing_id, entitlements=Entitlements(),
                               slots=[start + timedelta(hours=2)], name="Sita Rai")
    viewing_decline(actor=people["broker"].actor, listing_id=other.listing_id, viewing_id=declined.viewing_id,
                    reason="The owners are away", expected_version=declined.version)
    people_services.user_profile_sync(user_id=buyer.user_id, email=buyer.email, groups=list(buyer.groups))
    paid = PaymentOrder(order_id=new_id(), user_id=buyer.user_id, email=buyer.email, plan="premium-month",
                        tier="premium", days=30, amount=2500, provider="esewa", state="completed",
                        provider_txn="0007G36", created_at=datetime(2026, 11, 20, 6, 0, tzinfo=UTC))
    db.save(paid)
    db.save(PaymentOrder(order_id=new_id(), user_id=buyer.user_id, email=buyer.email, plan="premium-month",
                         tier="premium", days=30, amount=2500, provider="khalti", state="failed",
                         failure="cancelled by the buyer"))
    agency_id = _evidence(people)
    admin, broker, seller = signed_in("admin"), signed_in("broker"), signed_in("seller")
    papers = f"/listings/{listing.listing_id}/documents/"

    # When each of them opens their pages, then no page shows a code, an ISO moment or a MIME type
    orders = _speaks_in_words(admin.get("/admin/orders/"))
    person = _speaks_in_words(admin.get(f"/admin/people/{buyer.user_id}/"))
    admin_papers = _speaks_in_words(admin.get(papers))
    agency = admin.get(f"/admin/agencies/{agency_id}/")
    agency_text = _speaks_in_words(agency)
    viewings = _speaks_in_words(broker.get("/broker/viewings/"))
    asked = _speaks_in_words(broker.get("/broker/documents/"))
    _speaks_in_words(broker.get(papers))
    _speaks_in_words(broker.get("/broker/agency/"))
    _speaks_in_words(broker.get("/broker/leads/"))
    _speaks_in_words(seller.get(papers))
    _speaks_in_words(seller.get("/seller/"))
    # and neither do the other pages of these people
    for page in ("/admin/", "/admin/moderation/", "/admin/listings/?status=any", f"/admin/listings/{listing.listing_id}/",
                 "/admin/people/", "/admin/brokers/", "/admin/agencies/", "/admin/reports/?days=30"):
        _speaks_in_words(admin.get(page))
    for page in ("/broker/", f"/broker/listings/{listing.listing_id}/", "/broker/analytics/", "/broker/leads/?state=any"):
        _speaks_in_words(broker.get(page))

    # and the states are the layer's words, as badges toned as they fare
    assert '<span class="badge ok">Paid</span>' in admin.get("/admin/orders/").content.decode()
    assert "Paid" in orders and "Failed" in orders and "Paid" in person and "Failed" in person
    # plans and providers by their names on the buyer's page as on the orders page
    for text in (orders, person):
        assert "premium-month" not in text and "eSewa" in text and "Khalti" in text
    assert "Uploaded" in admin_papers and "Rejected" in admin_papers and "Asked" in admin_papers
    assert "Waiting for an answer" in viewings and "Declined" in viewings and "Asked" in asked
    assert '<option value="failed">Failed</option>' in admin.get("/admin/orders/").content.decode()
    # dates and times are Kathmandu's, as the layer writes them (20 Nov 2026, 11:45 in Kathmandu)
    assert "20 Nov 2026, 11:45" in orders and "20 Nov 2026, 11:45" in person
    assert formatting.moment(deed.uploaded_at) in admin_papers
    evidence = agency.context["evidence"][0]
    assert f"PDF · uploaded {formatting.moment(evidence.uploaded_at)}" in agency_text
    # the file-type pickers name the types in words, while the value sent stays the type
    assert '<option value="application/pdf">PDF</option>' in broker.get(papers).content.decode()
    assert '<option value="image/jpeg">JPEG photo</option>' in agency.content.decode()
