"""Licence evidence against an admin's decision taken at the same moment: the decision is committed between
the evidence write's reads and its commit (through the one commit every transaction goes through), so the
evidence write's own condition is what has to keep the decided file."""

from __future__ import annotations

import pytest
import requests

from marketplace import db
from marketplace.aws import client
from marketplace.config import settings
from marketplace.errors import IllegalTransition
from marketplace.models import Agency, AgencyEvidence, AuditEntry
from marketplace.services import agencies
from tests.shared.agencies import licensed_agency

PDF = b"%PDF-1.4\n% licence certificate DLM-2082-041\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _upload(broker, agency_id: str, content: bytes, content_type: str, **replacing) -> AgencyEvidence:
    slot = agencies.agency_evidence_request_upload(actor=broker, agency_id=agency_id, content_type=content_type,
                                                   size=len(content), filename="licence", **replacing)
    requests.post(slot.url, data=slot.fields, files={"file": ("licence", content)}, timeout=30)
    return slot.evidence


def _stored(key: str) -> bool:
    listed = client("s3").list_objects_v2(Bucket=settings().documents_bucket, Prefix=key)
    return any(item["Key"] == key for item in listed.get("Contents", []))


@pytest.fixture
def principal_agency(platform, broker, admin) -> str:
    """A verified agency whose principal broker is ``broker``, with one file uploaded since the verification."""
    agency = licensed_agency(broker, admin=admin)
    agencies.broker_agency_set(actor=admin, broker_id=broker.user_id, agency_id=agency.agency_id, principal=True)
    evidence = _upload(broker, agency.agency_id, PDF, "application/pdf")
    agencies.agency_evidence_confirm(actor=broker, agency_id=agency.agency_id, file_id=evidence.file_id)
    return agency.agency_id


@pytest.fixture
def decision_before_the_evidence_commit(monkeypatch, admin):
    """Arm an admin's decision on the agency to be committed just before the next evidence transaction
    commits, after that write read the agency and the file as undecided."""
    armed = {}
    real_commit = db.commit

    def commit(tx, *, token):
        agency_id = armed.pop("agency_id", None)
        if agency_id is not None and any(isinstance(item, AgencyEvidence) for item in tx.items):
            agency = Agency.get_or_not_found(agency_id, consistent=True)
            agencies.agency_verify(actor=admin, agency_id=agency_id, decision="verified",
                                   note="DLM list of 2082-08-01, entry 41", expected_version=agency.version)
        elif agency_id is not None:
            armed["agency_id"] = agency_id
        return real_commit(tx, token=token)

    monkeypatch.setattr(db, "commit", commit)
    return lambda agency_id: armed.update(agency_id=agency_id)


def _files(broker, agency_id: str) -> list[str]:
    return [e.file_id for e in agencies.agency_evidence_files(actor=broker, agency_id=agency_id)]


def test_a_delete_racing_an_admins_decision_is_refused_and_the_decision_keeps_its_file(
        principal_agency, broker, decision_before_the_evidence_commit):
    # Given the principal broker's pending file, shown on their page at its version
    [pending] = agencies.agency_evidence_files(actor=broker, agency_id=principal_agency)

    # When they delete it while an admin verifies the licence with it (committed after the delete read it)
    decision_before_the_evidence_commit(principal_agency)
    with pytest.raises(IllegalTransition) as refused:
        agencies.agency_evidence_delete(actor=broker, agency_id=principal_agency, file_id=pending.file_id,
                                        expected_version=pending.version)

    # Then the delete is refused saying why, and the file stays, in the table and the store, unaudited as deleted
    assert refused.value.field == "file_id" and "kept as the record of that decision" in str(refused.value)
    assert _files(broker, principal_agency) == [pending.file_id]
    assert _stored(pending.object_key)
    actions = [e.action for e in AuditEntry.history("agency", principal_agency)]
    assert "licence_verified" in actions and "evidence_delete" not in actions


def test_a_replacement_racing_an_admins_decision_is_added_beside_the_decided_file(
        principal_agency, broker, decision_before_the_evidence_commit):
    # Given the principal broker replacing their pending file with a scan of the list's page
    [pending] = agencies.agency_evidence_files(actor=broker, agency_id=principal_agency)
    scan = _upload(broker, principal_agency, PNG, "image/png", replaces=pending.file_id,
                   replaces_version=pending.version)

    # When the upload is confirmed while an admin verifies the licence with the first file
    decision_before_the_evidence_commit(principal_agency)
    agencies.agency_evidence_confirm(actor=broker, agency_id=principal_agency, file_id=scan.file_id)

    # Then the decided file is kept (table and store) and the scan is added beside it, audited as an upload
    assert set(_files(broker, principal_agency)) == {pending.file_id, scan.file_id}
    assert _stored(pending.object_key) and _stored(scan.object_key)
    actions = [e.action for e in AuditEntry.history("agency", principal_agency)]
    assert "evidence_replace" not in actions and actions.count("evidence_upload") == 2


def test_a_renewal_leaves_the_files_an_earlier_decision_was_taken_on_kept(principal_agency, broker, admin):
    # Given a file an admin then verified the licence with
    [decided] = agencies.agency_evidence_files(actor=broker, agency_id=principal_agency)
    agency = Agency.get_or_not_found(principal_agency, consistent=True)
    agency = agencies.agency_verify(actor=admin, agency_id=principal_agency, decision="verified",
                                    note="DLM list of 2082-08-01, entry 41", expected_version=agency.version)

    # When the agency's renewal is recorded (unverified until checked again) and the broker deletes that file
    agencies.agency_renew(actor=admin, agency_id=principal_agency, licence_expires_on=agency.expires_on.replace(
        year=agency.expires_on.year + 1), evidence="renewal certificate 2083-041", expected_version=agency.version)
    with pytest.raises(IllegalTransition) as refused:
        agencies.agency_evidence_delete(actor=broker, agency_id=principal_agency, file_id=decided.file_id,
                                        expected_version=decided.version)

    # Then it is refused: the earlier decision's record stays, while a file for the renewal is pending
    assert "kept as the record of that decision" in str(refused.value)
    assert _files(broker, principal_agency) == [decided.file_id] and _stored(decided.object_key)
    renewal = _upload(broker, principal_agency, PDF, "application/pdf")
    agencies.agency_evidence_confirm(actor=broker, agency_id=principal_agency, file_id=renewal.file_id)
    renewal = AgencyEvidence.get_or_not_found(principal_agency, renewal.file_id, consistent=True)
    agencies.agency_evidence_delete(actor=broker, agency_id=principal_agency, file_id=renewal.file_id,
                                    expected_version=renewal.version)
    assert _files(broker, principal_agency) == [decided.file_id]
