"""Licensed agencies in the back office: admins record, verify and staff agencies; an expired licence
holds a listing above the threshold at the moderation review; brokers see their agency's licence."""

from __future__ import annotations

import html

import requests

from marketplace import formatting
from marketplace.aws import client
from marketplace.config import settings
from marketplace.licensing import LicenceStatus
from marketplace.models import Agency, AuditEntry
from marketplace.selectors.agencies import licence_of_broker
from marketplace.selectors.listings import listing_get
from marketplace.services import agencies as agency_services
from tests.shared.agencies import valid_until
from tests.shared.pages import page_messages


def _record_agency(browser, *, expires_in_days: int) -> str:
    response = browser.post("/admin/agencies/", {
        "name": "Lapsed Realty Pvt Ltd", "licence_number": "DLM-2078-0099", "licence_class": "company",
        "licence_expires_on": valid_until(expires_in_days).isoformat(), "evidence": "certificate 2078-0099"})
    assert response.status_code == 302, response.content[:500]
    return response["Location"].rstrip("/").rsplit("/", 1)[-1]


def test_an_expired_licence_blocks_an_approval_above_the_threshold(signed_in, listing_factory, people):
    # Given an admin who records an agency whose licence ended yesterday, verifies it and places the broker in it
    admin = signed_in("admin")
    agency_id = _record_agency(admin, expires_in_days=-1)
    page = admin.get(f"/admin/agencies/{agency_id}/")
    admin.post(f"/admin/agencies/{agency_id}/", {"form": "verify", "decision": "verified", "note": "DLM list entry 99",
                                                 "expected_version": page.context["agency"].version})
    admin.post(f"/admin/agencies/{agency_id}/", {"form": "member", "broker_id": people["broker"].user_id})
    assert licence_of_broker(broker_id=people["broker"].user_id).status == LicenceStatus.EXPIRED
    # and the broker's villa above Rs 3 crore in Sanepa (Lalitpur Metropolitan City) waiting for review
    listing = listing_factory(status="pending_review", neighborhood="sanepa", price="5 crore")

    # When the admin opens the review page (which shows the agency's licence) and approves
    review = admin.get(f"/admin/moderation/{listing.listing_id}/")
    assert "Lapsed Realty Pvt Ltd" in review.content.decode() and "licence expired" in review.content.decode()
    response = admin.post(f"/admin/moderation/{listing.listing_id}/",
                          {"action": "approve", "expected_version": listing.version}, follow=True)

    # Then it is refused with the reason, and the listing still waits
    text = html.unescape(response.content.decode())
    assert "Lapsed Realty Pvt Ltd's licence expired" in text and "Land Revenue Regulations" in text
    assert listing_get(listing_id=listing.listing_id).status == "pending_review"
    # while a listing below the threshold is approved as before
    modest = listing_factory(status="pending_review", neighborhood="sanepa", price="2.5 crore")
    admin.post(f"/admin/moderation/{modest.listing_id}/", {"action": "approve", "expected_version": modest.version})
    assert listing_get(listing_id=modest.listing_id).status == "active"


def test_admins_list_agencies_by_expiry_and_verification_is_audited(signed_in, people):
    admin = signed_in("admin")
    agency_id = _record_agency(admin, expires_in_days=10)
    listed = admin.get("/admin/agencies/")
    rows = listed.context["rows"]
    assert rows[0][0].agency_id == agency_id  # the soonest expiry first
    assert f"<td>{formatting.day(valid_until(10))}</td>" in listed.content.decode()  # "12 Dec 2026", as every date
    assert rows[0][1].status == LicenceStatus.UNVERIFIED

    version = admin.get(f"/admin/agencies/{agency_id}/").context["agency"].version
    admin.post(f"/admin/agencies/{agency_id}/", {"form": "verify", "decision": "verified", "note": "DLM list entry 99",
                                                 "expected_version": version})

    page = admin.get(f"/admin/agencies/{agency_id}/")
    assert page.context["licence"].status == LicenceStatus.EXPIRING
    entry = next(e for e in AuditEntry.history("agency", agency_id) if e.action == "licence_verified")
    assert entry.actor_id == people["admin"].user_id and entry.reason == "DLM list entry 99"
    # and the page's history says it in words
    history = html.unescape(page.content.decode()).split("<h2>History</h2>")[1]
    assert "<td>Licence verified</td>" in history and "licence_verified" not in history


def test_bad_agency_input_names_the_field_and_brokers_cannot_open_the_admin_pages(signed_in):
    admin = signed_in("admin")
    response = admin.post("/admin/agencies/", {"name": "X", "licence_number": "!", "licence_class": "company",
                                               "licence_expires_on": "2030-01-01", "evidence": "cert"})
    assert response.status_code == 400
    assert "licence_number" in response.context["form"].errors
    # a renewal without its new expiry is told by the field's label, not its name
    agency_id = admin.get("/admin/agencies/").context["rows"][0][0].agency_id
    renewed = admin.post(f"/admin/agencies/{agency_id}/", {"form": "renew", "evidence": "certificate 2083-01",
                                                           "expected_version": 1}, follow=True)
    told = page_messages(renewed)
    assert "New expiry: This field is required." in told and not any("licence_expires_on" in m for m in told)
    assert signed_in("broker").get("/admin/agencies/").status_code == 403


def test_a_broker_sees_their_agency_and_its_licence(signed_in):
    page = signed_in("broker").get("/broker/agency/")
    assert page.status_code == 200
    assert page.context["licence"].status == LicenceStatus.VALID
    assert "Himal Realty" in page.content.decode()


PDF = b"%PDF-1.4\n% licence certificate DLM-2082-041\n%%EOF\n"


def _upload_evidence(browser, agency_id: str, content: bytes, content_type: str = "application/pdf"):
    """Through the page's form: the type chosen, the file posted to the bucket, S3 sending the browser back."""
    slot = browser.post(f"/agencies/{agency_id}/evidence/slot/", {"content_type": content_type}).context["slot"]
    stored = requests.post(slot.url, data=slot.fields, files={"file": ("licence", content)}, timeout=30,
                           allow_redirects=False)
    assert stored.status_code == 303
    back = stored.headers["Location"].removeprefix("http://testserver")
    assert back.startswith(f"/agencies/{agency_id}/evidence/uploaded/")
    return browser.get(back, follow=True)


def test_the_principal_broker_uploads_licence_evidence_the_admin_opens_it_signed_and_both_are_audited(
        signed_in, people):
    # Given an agency whose principal broker is the broker
    admin_actor = people["admin"].actor
    agency_id = licence_of_broker(broker_id=people["broker"].user_id).agency_id
    agency_services.broker_agency_set(actor=admin_actor, broker_id=people["broker"].user_id, agency_id=agency_id,
                                      principal=True)

    # When the principal broker uploads the certificate from their agency page
    broker = signed_in("broker")
    assert b"Upload evidence" in broker.get("/broker/agency/").content
    done = _upload_evidence(broker, agency_id, PDF)

    # Then it is listed on the admin's agency page, and opening it is a short-lived signed link to the bytes
    assert done.request["PATH_INFO"] == "/broker/agency/"
    admin = signed_in("admin")
    evidence = admin.get(f"/admin/agencies/{agency_id}/").context["evidence"]
    assert [e.content_type for e in evidence] == ["application/pdf"]
    opened = admin.get(f"/agencies/{agency_id}/evidence/{evidence[0].file_id}/")
    assert opened.status_code == 302 and "X-Amz-Expires=300" in opened["Location"]
    assert requests.get(opened["Location"], timeout=10).content == PDF
    # and the upload and the opening are in the agency's history, with who did them
    history = [(e.action, e.actor_id) for e in AuditEntry.history("agency", agency_id)]
    assert ("evidence_upload", people["broker"].user_id) in history
    assert ("evidence_open", people["admin"].user_id) in history


def test_evidence_that_is_not_what_it_claims_is_refused_and_only_the_principal_broker_may_add_it(signed_in, people):
    agency_id = licence_of_broker(broker_id=people["broker"].user_id).agency_id
    admin = signed_in("admin")

    refused = _upload_evidence(admin, agency_id, b"MZ\x90\x00 not a pdf")

    assert "the file is not a PDF" in html.unescape(refused.content.decode())
    assert refused.context["evidence"] == []
    # a broker of the agency who is not its principal broker cannot add its evidence (nor sees the form)
    other = signed_in("other_broker")
    assert other.post(f"/agencies/{agency_id}/evidence/slot/", {"content_type": "application/pdf"}).status_code == 403
    assert b"Upload evidence" not in other.get("/broker/agency/").content
    # and a type the documents store does not take is refused naming the field and the types it takes, in words
    wrong = admin.post(f"/agencies/{agency_id}/evidence/slot/", {"content_type": "text/html"}, follow=True)
    assert "File type must be a PDF, JPEG photo or PNG image" in page_messages(wrong)
    assert "application/pdf" not in " ".join(page_messages(wrong))


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _stored(key: str) -> bool:
    """Whether the documents bucket serves a current object at ``key``."""
    listed = client("s3").list_objects_v2(Bucket=settings().documents_bucket, Prefix=key)
    return any(item["Key"] == key for item in listed.get("Contents", []))


def test_the_principal_broker_replaces_and_deletes_evidence_until_an_admin_decides(signed_in, people):
    # Given the principal broker of a verified agency who uploaded a certificate since its verification
    admin_actor = people["admin"].actor
    agency_id = licence_of_broker(broker_id=people["broker"].user_id).agency_id
    agency_services.broker_agency_set(actor=admin_actor, broker_id=people["broker"].user_id, agency_id=agency_id,
                                      principal=True)
    broker = signed_in("broker")
    page = _upload_evidence(broker, agency_id, PDF)
    [first] = page.context["evidence"]
    assert first.file_id in page.context["pending"] and b"awaiting a decision" in page.content

    # When they replace it with a scan of the list's page
    slot = broker.post(f"/agencies/{agency_id}/evidence/slot/", {
        "content_type": "image/png", "replaces": first.file_id, "file_version": first.version}).context["slot"]
    stored = requests.post(slot.url, data=slot.fields, files={"file": ("licence", PNG)}, timeout=30,
                           allow_redirects=False)
    page = broker.get(stored.headers["Location"].removeprefix("http://testserver"), follow=True)

    # Then the new file takes the old one's place, the old object is gone from the store, and it is audited
    [second] = page.context["evidence"]
    assert second.content_type == "image/png" and second.file_id != first.file_id
    assert not _stored(f"agencies/{agency_id}/{first.file_id}") and _stored(f"agencies/{agency_id}/{second.file_id}")
    [replaced] = [e for e in AuditEntry.history("agency", agency_id) if e.action == "evidence_replace"]
    assert replaced.actor_id == people["broker"].user_id
    assert replaced.changes.as_dict()["file_id"] == {"before": first.file_id, "after": second.file_id}

    # When they delete it at the version shown, then it is gone, from the page and the store, and audited
    stale = broker.post(f"/agencies/{agency_id}/evidence/{second.file_id}/delete/",
                        {"file_version": second.version - 1}, follow=True)
    assert "reload" in html.unescape(stale.content.decode()) and len(stale.context["evidence"]) == 1
    page = broker.post(f"/agencies/{agency_id}/evidence/{second.file_id}/delete/",
                       {"file_version": second.version}, follow=True)
    assert page.context["evidence"] == [] and not _stored(f"agencies/{agency_id}/{second.file_id}")
    assert ("evidence_delete", people["broker"].user_id) in [
        (e.action, e.actor_id) for e in AuditEntry.history("agency", agency_id)]

    # Given a new file an admin then decides on (verifies the licence again)
    [kept] = _upload_evidence(broker, agency_id, PDF).context["evidence"]
    agency = Agency.get_or_not_found(agency_id, consistent=True)
    agency_services.agency_verify(actor=admin_actor, agency_id=agency_id, decision="verified",
                                  note="DLM list of 2082-08-01, entry 41", expected_version=agency.version)

    # When the broker tries to delete or replace it, then both are refused saying why, and it stays
    refused = broker.post(f"/agencies/{agency_id}/evidence/{kept.file_id}/delete/",
                          {"file_version": kept.version}, follow=True)
    assert "kept as the record of that decision" in html.unescape(refused.content.decode())
    replace = broker.post(f"/agencies/{agency_id}/evidence/slot/", {
        "content_type": "image/png", "replaces": kept.file_id, "file_version": kept.version}, follow=True)
    assert "kept as the record of that decision" in html.unescape(replace.content.decode())
    page = broker.get("/broker/agency/")
    assert [e.file_id for e in page.context["evidence"]] == [kept.file_id] and _stored(
        f"agencies/{agency_id}/{kept.file_id}")
    assert kept.file_id not in page.context["pending"] and b"decided on: kept" in page.content


def test_the_admin_picks_a_broker_by_name_and_the_agency_history_reads_in_words(signed_in, people):
    # Given an admin on a new agency's page
    admin = signed_in("admin")
    agency_id = _record_agency(admin, expires_in_days=200)
    page = admin.get(f"/admin/agencies/{agency_id}/")
    # the broker is picked by name from the directory, never typed as an id
    picker = page.content.decode().split('name="broker_id"')[1].split("</select>")[0]
    assert f'<option value="{people["broker"].user_id}">Broker</option>' in picker
    assert "Broker id" not in page.content.decode()

    # When a value that is no broker in the directory is posted (a tampered form)
    refused = admin.post(f"/admin/agencies/{agency_id}/", {"form": "member", "broker_id": "not-a-broker"}, follow=True)
    # Then it is refused by the field's label, and nobody is placed
    assert page_messages(refused) == ["Broker: is not a broker in the directory: pick one from the list"]
    assert licence_of_broker(broker_id=people["other_broker"].user_id).agency_id != agency_id

    # When the admin picks the other broker as the principal broker
    placed = admin.post(f"/admin/agencies/{agency_id}/", {"form": "member", "principal": "on",
                                                          "broker_id": people["other_broker"].user_id}, follow=True)
    # Then the broker is in the agency and the history says what happened in words, naming the broker
    assert licence_of_broker(broker_id=people["other_broker"].user_id).agency_id == agency_id
    history = html.unescape(placed.content.decode()).split("<h2>History</h2>")[1]
    assert "<td>Principal broker set: Other_Broker</td>" in history and "<td>Recorded</td>" in history
    assert "Set principal" not in history and "<td>Create</td>" not in history
