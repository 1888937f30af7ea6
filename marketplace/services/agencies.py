"""Licensed agencies (RESO Office): recorded, verified and renewed by admins, brokers placed in them,
and the warning an agency hears 30 days before its licence ends.

Verification is manual: an admin checks the agency against the Department of Land Management's
published list and records what they checked (the evidence note, and the evidence files: the licence
certificate or the list's page, uploaded by an admin or the agency's principal broker to the private
documents bucket and opened through short-lived signed links); every change, upload and opening is
audited in the same transaction. A renewal (new expiry or number) needs a fresh verification. Licence rules themselves are
``marketplace.licensing``; the approval guard is in ``marketplace.lifecycle``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from marketplace import db
from marketplace.actors import Actor
from marketplace.audit import audit_entry
from marketplace.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationError
from marketplace.events import DomainEvent, EventType, to_outbox
from marketplace.formatting import moment as shown_moment
from marketplace.formatting import word_list
from marketplace.ids import new_id
from marketplace.licensing import (
    EXPIRY_WARNING,
    LICENCE_CLASS_NAMES,
    LicenceClass,
    Verification,
    licence_status,
    today,
)
from marketplace.listing_fields import invalid
from marketplace.models import Agency, AgencyEvidence, BrokerProfile, Guard
from marketplace.observability import logger
from marketplace.selectors.agencies import agency_with_brokers
from marketplace.services import documents
from marketplace.services.listings import listings_hold_unlicensed

_LICENCE = re.compile(r"^[A-Za-z0-9/\-]{3,32}$")
AUDITED = ("name", "licence_number", "licence_class", "licence_expires_on", "evidence", "email", "phone",
           "address", "principal_broker_id", "verification", "verification_note")
NOUN = "agency"


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("only admins may change agencies")


def _snapshot(agency: Agency) -> dict:
    return {name: getattr(agency, name) for name in AUDITED}


def _raise_first(errors: dict[str, str]) -> None:
    if errors:
        raise invalid(errors)


def _licence_errors(*, licence_number: str, licence_class: str, expires_on: date | None, evidence: str) -> dict:
    errors = {}
    if not _LICENCE.match(licence_number or ""):
        errors["licence_number"] = "must be 3-32 letters, digits, '/' or '-'"
    if licence_class not in {c.value for c in LicenceClass}:
        errors["licence_class"] = f"must be {word_list(LICENCE_CLASS_NAMES.values(), last='or')}"
    if not isinstance(expires_on, date):
        errors["licence_expires_on"] = "is required (the last day the licence is valid)"
    if not (evidence or "").strip():
        errors["evidence"] = "is required: what shows the licence (certificate number, list edition and entry)"
    return errors


def _commit(agency: Agency, *, actor: Actor, action: str, before: dict, events=(), create_guard: Guard | None = None,
            reason: str | None = None) -> Agency:
    agency.updated_at = datetime.now(UTC)
    try:
        with db.transaction(conflict_message=None) as tx:
            if create_guard is not None:
                tx.create(create_guard)
            tx.save(agency)
            tx.save(audit_entry(actor=actor, entity_type=NOUN, entity_id=agency.agency_id, action=action,
                                before=before, after=_snapshot(agency), reason=reason))
            for event in events:
                tx.save(to_outbox(event))
    except db.ConditionFailed as failed:
        if failed.item is create_guard:
            raise ValidationError("another agency has this licence number", field="licence_number") from None
        raise Conflict(db.stale_message(NOUN), field="expected_version") from None
    return agency


def agency_create(*, actor: Actor, name: str, licence_number: str, licence_class: str, licence_expires_on: date | None,
                  evidence: str, email: str = "", phone: str = "", address: str = "",
                  agency_id: str | None = None) -> Agency:
    """An admin records an agency from its licence; it is unverified until checked against the list."""
    _require_admin(actor)
    errors = _licence_errors(licence_number=licence_number, licence_class=licence_class, expires_on=licence_expires_on,
                             evidence=evidence)
    if not (name or "").strip():
        errors = {"name": "is required", **errors}
    _raise_first(errors)
    agency = Agency(agency_id=agency_id or new_id(), name=name.strip(), licence_number=licence_number.strip().upper(),
                    licence_class=licence_class, licence_expires_on=licence_expires_on.isoformat(),
                    evidence=evidence.strip(), email=email.strip(), phone=phone.strip(), address=address.strip(),
                    verification=Verification.UNVERIFIED.value)
    guard = Guard(*Guard.unique_key("agency-licence", agency.licence_number), ref=agency.agency_id)
    return _commit(agency, actor=actor, action="create", before={}, create_guard=guard)


def _load_at(agency_id: str, expected_version: int) -> Agency:
    agency = Agency.get_or_not_found(agency_id, consistent=True)
    db.check_version(agency, expected_version, noun=NOUN)
    return agency


def agency_verify(*, actor: Actor, agency_id: str, decision: str, note: str, expected_version: int) -> Agency:
    """An admin records what the published list says: ``verified`` (on the list with this number, class and
    expiry) or ``revoked`` (not on it, struck off or suspended), with a note of what they checked."""
    _require_admin(actor)
    if decision not in (Verification.VERIFIED, Verification.REVOKED):
        raise ValidationError("choose verified or revoked", field="decision")
    if not (note or "").strip():
        raise ValidationError("say what you checked (the list's edition and entry)", field="note")
    agency = _load_at(agency_id, expected_version)
    before = _snapshot(agency)
    agency.verification, agency.verification_note = decision, note.strip()
    agency.verified_at, agency.verified_by = datetime.now(UTC), actor.user_id
    agency.decided_at = agency.verified_at
    told = DomainEvent(EventType.AGENCY_LICENCE_VERIFIED, {
        "agency_id": agency.agency_id, "agency_name": agency.name, "verification": decision,
        "office_broker_id": agency.principal_broker_id, "licence_number": agency.licence_number})
    agency = _commit(agency, actor=actor, action=f"licence_{decision}", before=before, events=[told],
                     reason=note.strip())
    _hold_coming_soon(agency)
    return agency


def _hold_coming_soon(agency: Agency, *, due_only: bool = False) -> None:
    """The licence this admin's change left (revoked, or verified already out of date; awaiting verification
    after a renewal) holds its brokers' coming-soon listings at once, not at the clock's next tick."""
    _, brokers = agency_with_brokers(agency_id=agency.agency_id)
    listings_hold_unlicensed(broker_ids=[broker.broker_id for broker in brokers], due_only=due_only)


def agency_renew(*, actor: Actor, agency_id: str, licence_expires_on: date | None, evidence: str, expected_version: int,
                 licence_number: str | None = None, licence_class: str | None = None) -> Agency:
    """A renewed (or corrected) licence: the new expiry and evidence; it waits for verification again."""
    _require_admin(actor)
    agency = _load_at(agency_id, expected_version)
    number = (licence_number or agency.licence_number).strip().upper()
    klass = licence_class or agency.licence_class
    _raise_first(_licence_errors(licence_number=number, licence_class=klass, expires_on=licence_expires_on,
                                 evidence=evidence))
    before = _snapshot(agency)
    guard = None
    if number != agency.licence_number:
        guard = Guard(*Guard.unique_key("agency-licence", number), ref=agency.agency_id)
    agency.licence_number, agency.licence_class = number, klass
    agency.licence_expires_on, agency.evidence = licence_expires_on.isoformat(), evidence.strip()
    agency.verification, agency.verified_at, agency.verified_by = Verification.UNVERIFIED.value, None, None
    agency.verification_note = ""
    agency = _commit(agency, actor=actor, action="licence_renew", before=before, create_guard=guard)
    # Awaiting verification: those whose public date has come are held now (reads show them as public);
    # the others are asked again on their date, by which the renewal is usually verified.
    _hold_coming_soon(agency, due_only=True)
    return agency


def broker_agency_set(*, actor: Actor, broker_id: str, agency_id: str | None, principal: bool = False) -> BrokerProfile:
    """An admin places a broker in an agency (RESO Member -> Office), or takes them out with ``None``;
    ``principal`` makes them the agency's principal broker (RESO OfficeBrokerKey), who hears of its licence."""
    _require_admin(actor)
    profile = BrokerProfile.get_or_not_found(broker_id, consistent=True)
    agency = Agency.get_or_not_found(agency_id, consistent=True) if agency_id else None
    before = {"agency_id": profile.agency_id}
    profile.agency_id = agency_id or None
    with db.transaction(conflict_message=db.stale_message("broker"), conflict_field="broker_id") as tx:
        tx.save(profile)
        tx.save(audit_entry(actor=actor, entity_type="broker", entity_id=broker_id, action="set_agency",
                            before=before, after={"agency_id": profile.agency_id}))
        if agency is not None and principal and agency.principal_broker_id != broker_id:
            agency_before = _snapshot(agency)
            agency.principal_broker_id = broker_id
            agency.updated_at = datetime.now(UTC)
            tx.save(agency)
            tx.save(audit_entry(actor=actor, entity_type=NOUN, entity_id=agency.agency_id, action="set_principal",
                                before=agency_before, after=_snapshot(agency)))
    # Out of their agency (or into one whose licence is not valid): their coming-soon listings are held now.
    listings_hold_unlicensed(broker_ids=[broker_id])
    return profile


def agency_expiry_warnings(*, actor: Actor, at: datetime | None = None) -> list[str]:
    """The clock's sweep: each agency whose licence ends within the warning window hears it once per expiry
    date (``AgencyLicenceExpiring``, recorded on the agency in the same transaction). Reads only that window
    of the expiry index. An agency changed meanwhile is left for the next sweep."""
    moment = at or datetime.now(UTC)
    first = today(moment)
    warned = []
    for agency in Agency.expiring_between(first, first + EXPIRY_WARNING):
        if agency.expiry_warned_for == agency.licence_expires_on:
            continue
        status = licence_status(verification=agency.verification, expires_on=agency.expires_on, moment=moment)
        told = DomainEvent(EventType.AGENCY_LICENCE_EXPIRING, {
            "agency_id": agency.agency_id, "agency_name": agency.name, "licence_number": agency.licence_number,
            "expires_on": agency.licence_expires_on, "licence_status": status.value, "email": agency.email,
            "office_broker_id": agency.principal_broker_id})
        before = _snapshot(agency)
        agency.expiry_warned_for = agency.licence_expires_on
        try:
            _commit(agency, actor=actor, action="licence_expiry_warned", before=before, events=[told])
        except Conflict:
            logger.info("agency changed meanwhile; the next sweep reads it again", extra={"agency_id": agency.agency_id})
            continue
        warned.append(agency.agency_id)
    return warned


# --- Licence evidence files: through the documents bucket's presigned, checked path. ---

MAX_EVIDENCE_FILES = 10


@dataclass(frozen=True)
class EvidenceSlot:
    evidence: AgencyEvidence
    url: str
    fields: dict[str, str]
    max_bytes: int
    expires_in: int


@dataclass(frozen=True)
class EvidenceLink:
    evidence: AgencyEvidence
    url: str
    expires_at: datetime


def _evidence_agency(actor: Actor, agency_id: str) -> Agency:
    """The agency, if this person may add or open its licence evidence: an admin, its principal broker."""
    agency = Agency.get_or_not_found(agency_id, consistent=True)
    if actor.is_admin or (actor.is_broker and agency.principal_broker_id == actor.user_id):
        return agency
    raise PermissionDenied("only admins and the agency's principal broker handle its licence evidence")


def _decided_at(agency: Agency) -> datetime | None:
    """When an admin last decided on the licence (a renewal since does not undo it)."""
    return agency.decided_at or agency.verified_at


def evidence_pending(agency: Agency, evidence: AgencyEvidence) -> bool:
    """Whether no admin has decided on this file yet: uploaded after the agency's latest decision (verified or
    revoked), or with none taken. Such a file may be replaced or deleted; one a decision was taken on is kept
    as its record (a renewal's new files are pending again, the earlier ones stay)."""
    decided = _decided_at(agency)
    return decided is None or (evidence.uploaded_at is not None and evidence.uploaded_at > decided)


def _undecided(agency: Agency):
    """The condition that no admin decided on the agency since it was read (held in the evidence write's
    transaction: a decision taken meanwhile keeps its files). Every decision sets ``decided_at``."""
    return Agency.decided_at.does_not_exist() if agency.decided_at is None else (
        Agency.decided_at == agency.decided_at)


def _changeable_evidence(agency: Agency, file_id: str, expected_version: int) -> AgencyEvidence:
    """An uploaded evidence file no admin has decided on, at the version the page showed."""
    evidence = AgencyEvidence.get_or_none(agency.agency_id, file_id, consistent=True)
    if evidence is None or evidence.state != "uploaded":
        raise NotFound("no such evidence file", field="file_id")
    db.check_version(evidence, expected_version, noun="evidence file")
    if not evidence_pending(agency, evidence):
        raise IllegalTransition(f"an admin decided on the licence on {shown_moment(_decided_at(agency))} with this "
                                "file: it is kept as the record of that decision; upload another file instead",
                                field="file_id")
    return evidence


def agency_evidence_request_upload(*, actor: Actor, agency_id: str, content_type: str, size: int, filename: str,
                                   redirect_to: str | None = None, replaces: str | None = None,
                                   replaces_version: int | None = None) -> EvidenceSlot:
    """A presigned POST of one licence evidence file (PDF, JPEG or PNG) to the documents bucket; with
    ``replaces`` (a file no admin has decided on, at ``replaces_version``), the upload takes its place once
    it is checked (``agency_evidence_confirm``)."""
    name = documents.check_file(content_type=content_type, size=size, filename=filename)
    agency = _evidence_agency(actor, agency_id)
    if replaces is not None:
        _changeable_evidence(agency, replaces, replaces_version)
    elif len(list(AgencyEvidence.of_agency(agency.agency_id))) >= MAX_EVIDENCE_FILES:
        raise ValidationError(f"an agency may have at most {MAX_EVIDENCE_FILES} evidence files", field="file")
    evidence = AgencyEvidence(agency_id=agency.agency_id, file_id=new_id(), filename=name, content_type=content_type,
                              size=size, uploaded_by=actor.user_id, replaces=replaces)
    db.save(evidence, condition=AgencyEvidence.pk.does_not_exist())
    url, fields = documents.presigned_upload(key=evidence.object_key, content_type=content_type,
                                             redirect_to=redirect_to)
    return EvidenceSlot(evidence=evidence, url=url, fields=fields, max_bytes=documents.MAX_BYTES,
                        expires_in=documents.UPLOAD_SECONDS)


def agency_evidence_confirm(*, actor: Actor, agency_id: str, file_id: str) -> AgencyEvidence:
    """The upload finished: its bytes are checked (a bad file is deleted and refused naming ``file``); a good
    one is recorded in the agency's history."""
    agency = _evidence_agency(actor, agency_id)
    evidence = AgencyEvidence.get_or_not_found(agency_id, file_id, consistent=True)
    if evidence.state == "uploaded":
        return evidence
    documents.accept_upload(evidence)
    # The file it replaces goes with this commit, unless an admin decided on it meanwhile (then it stays
    # as the decision's record, and this one is added) or it is gone already.
    replaced = AgencyEvidence.get_or_none(agency_id, evidence.replaces, consistent=True) if evidence.replaces else None
    if replaced is not None and not evidence_pending(agency, replaced):
        replaced = None
    try:
        _record_evidence(actor, agency, evidence, replaced)
    except db.ConditionFailed:
        # An admin decided on the licence between the read and this commit (or the replaced file went):
        # a decided file is that decision's record now, so it stays and this one is added beside it.
        replaced = None
        _record_evidence(actor, agency, evidence, replaced)
    if replaced is not None:
        documents.delete_file(key=replaced.object_key)
    return evidence


def _record_evidence(actor: Actor, agency: Agency, evidence: AgencyEvidence, replaced: AgencyEvidence | None) -> None:
    """The checked file and its audit entry in one transaction; with ``replaced``, that file's deletion too,
    held to no decision having been taken since ``agency`` was read (``ConditionFailed`` otherwise)."""
    after = {"file_id": evidence.file_id, "filename": evidence.filename}
    try:
        with db.transaction(conflict_message=None) as tx:
            tx.save(evidence)
            if replaced is not None:
                tx.check(agency, _undecided(agency))
                tx.delete(replaced)
            tx.save(audit_entry(
                actor=actor, entity_type=NOUN, entity_id=agency.agency_id,
                action="evidence_replace" if replaced else "evidence_upload", after=after,
                before={"file_id": replaced.file_id, "filename": replaced.filename} if replaced else None))
    except db.ConditionFailed as failed:
        if failed.item is evidence:
            raise Conflict(db.stale_message("evidence file"), field="file_id") from None
        raise


def agency_evidence_delete(*, actor: Actor, agency_id: str, file_id: str, expected_version: int) -> None:
    """Delete an evidence file no admin has decided on yet (at the version the page showed), audited; its
    object goes from the documents bucket after the commit (versioned: recoverable). A file a decision was
    taken on is refused (``IllegalTransition`` naming ``file_id``)."""
    agency = _evidence_agency(actor, agency_id)
    evidence = _changeable_evidence(agency, file_id, expected_version)
    try:
        with db.transaction(conflict_message=None) as tx:
            tx.check(agency, _undecided(agency))
            tx.delete(evidence)
            tx.save(audit_entry(actor=actor, entity_type=NOUN, entity_id=agency_id, action="evidence_delete",
                                before={"file_id": file_id, "filename": evidence.filename}))
    except db.ConditionFailed as failed:
        if failed.item is agency:
            raise IllegalTransition("an admin decided on the licence while you were deleting this file: it is kept "
                                    "as the record of that decision; reload the page", field="file_id") from None
        raise Conflict(db.stale_message("evidence file"), field="expected_version") from None
    documents.delete_file(key=evidence.object_key)


def agency_evidence_files(*, actor: Actor, agency_id: str) -> list[AgencyEvidence]:
    """The agency's uploaded evidence files, oldest first (admins and its principal broker)."""
    _evidence_agency(actor, agency_id)
    return [e for e in AgencyEvidence.of_agency(agency_id, consistent_read=True) if e.state == "uploaded"]


def agency_evidence_link(*, actor: Actor, agency_id: str, file_id: str) -> EvidenceLink:
    """One evidence file through a short-lived signed URL; who opened it is recorded in the agency's history."""
    _evidence_agency(actor, agency_id)
    evidence = AgencyEvidence.get_or_none(agency_id, file_id, consistent=True)
    if evidence is None or evidence.state != "uploaded":
        raise NotFound("no such evidence file", field="file_id")
    url = documents.signed_download(key=evidence.object_key, filename=evidence.filename)
    db.save(audit_entry(actor=actor, entity_type=NOUN, entity_id=agency_id, action="evidence_open",
                        after={"file_id": file_id, "filename": evidence.filename}))
    return EvidenceLink(evidence=evidence, url=url,
                        expires_at=datetime.now(UTC) + timedelta(seconds=documents.URL_SECONDS))
