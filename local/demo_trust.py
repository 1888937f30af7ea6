"""Demo data for trust and revenue: documents verified on a few listings (with buyers asking for them),
the licence evidence of an agency, and orders paid, pending and cancelled through the eSewa and Khalti
stand-ins over HTTP, as a buyer's browser would (``local.payment_providers``): every page of the back office
that shows them has something real.

Through the domain's own services; ``local.demo`` guards each finished piece (``UNIQUE#demo#...``), so
running again adds nothing. Orders are made only where the payment stand-ins run (``make run``).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urljoin, urlsplit

import urllib3

from local.payment_providers import ESEWA_PASSWORD, ESEWA_TOKEN, KHALTI_MPIN, KHALTI_OTP
from marketplace.actors import Actor
from marketplace.models import Agency, Listing
from marketplace.selectors.people import entitlements_for
from marketplace.services import agencies, documents, payments

# Owner names and plot (kitta) numbers read off the demo title deeds.
DEEDS = (("Kitta 1184, Budhanilkantha-3", "Hari Prasad Koirala"), ("Kitta 2231, Lalitpur-4", "Sabitri Shrestha"),
         ("Kitta 507, Kathmandu-3", "Rita Maharjan"))
EVIDENCE_AGENCY = "demo-agency-himalayan"
HTTP = urllib3.PoolManager(timeout=urllib3.Timeout(connect=2, read=10), retries=False)


def pdf(*lines: str) -> bytes:
    """A one-page PDF showing ``lines`` (what the demo's documents and licence evidence open as)."""
    text = "".join(f"({line.replace('(', '[').replace(')', ']')}) Tj T* " for line in lines)
    stream = f"BT /F1 14 Tf 16 TL 60 760 Td {text}ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
                b"/Resources << /Font << /F1 5 0 R >> >> >>"),
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    body, offsets = b"%PDF-1.4\n", []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, content)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return body + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def _post_file(url: str, fields: dict, *, filename: str, data: bytes, content_type: str) -> None:
    """What the back office's plain upload form does: the presigned fields and the file, to the bucket."""
    answer = HTTP.request("POST", url, fields={**fields, "file": (filename, data, content_type)}, redirect=False)
    if answer.status >= 400:
        raise RuntimeError(f"the documents bucket refused the demo upload: HTTP {answer.status}")


def _documents(*, listing: Listing, broker: Actor, admin: Actor, deed: tuple[str, str]) -> None:
    """The broker uploads the title deed and the building permit; the admin verifies them."""
    plot, owner = deed
    for kind, lines in ((documents.DocumentKind.TITLE, ("Lalpurja (land ownership certificate)", plot, owner)),
                        (documents.DocumentKind.BUILDING_PERMIT, ("Naksa pass (building permit)", plot))):
        slot = documents.document_request_upload(actor=broker, listing_id=listing.listing_id, kind=kind.value,
                                                 content_type="application/pdf", size=2048,
                                                 filename=f"{kind.value}.pdf")
        _post_file(slot.url, slot.fields, filename=f"{kind.value}.pdf", data=pdf(*lines),
                   content_type="application/pdf")
        documents.document_confirm_upload(actor=broker, listing_id=listing.listing_id,
                                          document_id=slot.document.document_id)
    current = Listing.get_or_not_found(listing.listing_id, consistent=True)
    documents.documents_verify(actor=admin, listing_id=listing.listing_id, plot_number=plot, owner_name=owner,
                               restrictions="None noted", expected_version=current.version)


def _requests(listing_ids: list[str], buyers: list[Actor], brokers: dict[str, Actor]) -> None:
    """Premium and investor buyers ask for the documents; the first request is granted, the others wait."""
    for n, listing_id in enumerate(listing_ids):
        buyer = buyers[n % len(buyers)]
        access, _ = documents.document_access_request(actor=buyer, listing_id=listing_id,
                                                      entitlements=entitlements_for(user_id=buyer.user_id))
        if n == 0 and access.state == documents.AccessState.REQUESTED:
            broker = brokers[Listing.get_or_not_found(listing_id).broker_id]
            documents.document_access_decide(actor=broker, listing_id=listing_id, buyer_id=buyer.user_id,
                                             grant=True, expected_version=access.version)


def licence_evidence(admin: Actor) -> None:
    """The licence certificate of the first agency, uploaded by the admin as the agency page does."""
    agency = Agency.get_or_not_found(EVIDENCE_AGENCY)
    slot = agencies.agency_evidence_request_upload(actor=admin, agency_id=agency.agency_id,
                                                   content_type="application/pdf", size=2048,
                                                   filename="licence-certificate.pdf")
    _post_file(slot.url, slot.fields, filename="licence-certificate.pdf", content_type="application/pdf",
               data=pdf("Department of Land Management", "Real-estate business licence", agency.name,
                        f"Licence {agency.licence_number}, class {agency.licence_class}",
                        f"Valid until {agency.licence_expires_on}"))
    agencies.agency_evidence_confirm(actor=admin, agency_id=agency.agency_id, file_id=slot.evidence.file_id)


def _esewa(buyer: Actor, plan: str, *, pay: bool) -> None:
    """Checkout, the signed form posted to eSewa, then paid with the test wallet (or left pending)."""
    checkout = payments.payment_checkout(actor=buyer, plan=plan, provider="esewa")
    HTTP.request("POST", checkout.url, fields=checkout.fields, encode_multipart=False)
    if not pay:
        return
    paid = HTTP.request("POST", checkout.url.rsplit("/", 1)[0] + "/pay", encode_multipart=False, redirect=False,
                        fields={"transaction_uuid": checkout.order.order_id, "esewa_id": "9806800001",
                                "password": ESEWA_PASSWORD, "token": ESEWA_TOKEN})
    # eSewa sends the browser back with its signed answer; the return route confirms it with the status API
    payments.payment_confirm_esewa(data=parse_qs(urlsplit(paid.headers["Location"]).query)["data"][0])


def _khalti(buyer: Actor, plan: str, *, action: str | None) -> None:
    """Checkout (Khalti's initiate), then paid with the test wallet, cancelled, or left pending."""
    checkout = payments.payment_checkout(actor=buyer, plan=plan, provider="khalti")
    if action is None:
        return
    pidx = parse_qs(urlsplit(checkout.url).query)["pidx"][0]
    back = HTTP.request("POST", urljoin(checkout.url, "pay"), encode_multipart=False, redirect=False,
                        fields={"pidx": pidx, "khalti_id": "9800000001", "mpin": KHALTI_MPIN, "otp": KHALTI_OTP,
                                "action": action})
    query = parse_qs(urlsplit(back.headers["Location"]).query)
    payments.payment_confirm_khalti(pidx=query["pidx"][0], purchase_order_id=query["purchase_order_id"][0])


def orders(actors: dict[str, Actor]) -> None:
    """Orders in every state, through the stand-ins as a buyer's browser would go."""
    premium, investor = actors["premium@demo.shikhar.np"], actors["investor@demo.shikhar.np"]
    buyer = actors["buyer@demo.shikhar.np"]
    _esewa(premium, "premium-month", pay=True)  # paid: the renewal extends the premium term
    _khalti(investor, "investor-month", action="pay")  # paid through Khalti
    _khalti(buyer, "premium-month", action="cancel")  # the buyer cancelled on Khalti's page: failed
    _esewa(buyer, "premium-year", pay=False)  # on eSewa's page, not paid yet: pending (the poller asks)
    _khalti(buyer, "premium-month", action=None)  # initiated, not paid: pending


def documents_and_requests(*, actors: dict[str, Actor], listing_ids: list[str]) -> None:
    """Documents uploaded and verified on the listings named (the first ones listed), buyers asking for them."""
    admin = actors["admin@demo.shikhar.np"]
    brokers = {actor.user_id: actor for actor in actors.values() if actor.is_broker}
    chosen = listing_ids[:len(DEEDS)]
    for listing_id, deed in zip(chosen, DEEDS, strict=False):
        listing = Listing.get_or_not_found(listing_id, consistent=True)
        if listing.documents_verified_at is None:  # a rerun after a crash does not upload them again
            _documents(listing=listing, broker=brokers[listing.broker_id], admin=admin, deed=deed)
    _requests(chosen, [actors["premium@demo.shikhar.np"], actors["investor@demo.shikhar.np"]], brokers)
