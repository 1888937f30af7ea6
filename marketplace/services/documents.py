"""A listing's documents: title deed (lalpurja), building permit (naksa pass), completion certificate.

Uploaded by the listing's broker or seller (or an admin) straight to the documents bucket, a bucket of
their own: private, encrypted with its own KMS key, never public and never behind CloudFront. An upload
counts only once its bytes are checked (size, and a PDF, JPEG or PNG by its first bytes, whatever the
browser said). An admin reviews them beside the listing and marks it "documents verified" with a date
(the badge buyers see). Premium and investor buyers may ask for access; the listing's broker grants or
refuses it per buyer; a granted buyer gets short-lived S3 signed URLs, each one logged for the seller
(RESO InternetTracking's words). Nothing else ever hands out a document: without a grant there is no URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from botocore.exceptions import ClientError

from marketplace import db, formatting
from marketplace.actors import Actor
from marketplace.audit import audit_entry
from marketplace.aws import client
from marketplace.config import settings
from marketplace.entitlements import Entitlements, can_see
from marketplace.errors import NotFound, PermissionDenied, ValidationError
from marketplace.events import DomainEvent, EventType, to_outbox
from marketplace.ids import new_id
from marketplace.media_kinds import MediaKind
from marketplace.models import (
    AccessLogEntry,
    AgencyEvidence,
    DocumentAccess,
    DocumentsReview,
    Listing,
    ListingDocument,
)
from marketplace.selectors.listings import listing_for_actor, listing_get


class DocumentKind(StrEnum):
    TITLE = "title"  # lalpurja: the land ownership certificate
    BUILDING_PERMIT = "building_permit"  # naksa pass
    COMPLETION_CERTIFICATE = "completion_certificate"


LABELS = {DocumentKind.TITLE: "Title deed (lalpurja)", DocumentKind.BUILDING_PERMIT: "Building permit (naksa pass)",
          DocumentKind.COMPLETION_CERTIFICATE: "Completion certificate"}
# What a document may be, told by its first bytes (the browser's word is only checked against them).
SIGNATURES = {"application/pdf": b"%PDF-", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
# What the pages call each of them (pickers, upload pages, file lists); the value sent and stored stays the type.
TYPE_NAMES = {"application/pdf": "PDF", "image/jpeg": "JPEG photo", "image/png": "PNG image"}
assert TYPE_NAMES.keys() == SIGNATURES.keys(), "every allowed type has its name"
MAX_BYTES = 15 * 1024 * 1024
MAX_DOCUMENTS = 20
UPLOAD_SECONDS = 600
URL_SECONDS = 300  # a signed URL lives five minutes
LOG_DAYS = 730
MAX_TEXT = 200


class AccessState(StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    REFUSED = "refused"


# RESO InternetTracking: the event and object names for a document opened through its signed URL, and the
# object names of premium media (RESO has Photo and VirtualTour; a video or panorama is a virtual tour).
RESO_EVENT, RESO_OBJECT = "DetailedView", "Document"
MEDIA_OBJECTS = {MediaKind.PHOTO: "Photo", MediaKind.DRONE: "Photo", MediaKind.FLOOR_PLAN: "Photo",
                 MediaKind.PANORAMA: "VirtualTour", MediaKind.VIDEO: "VirtualTour"}
MAX_LOGGED_MEDIA = 25  # per view: one transaction
# The access log's events as its page says them ("Opened: photo"); the stored names stay RESO's.
EVENT_WORDS = {RESO_EVENT: "Opened"}
OBJECT_WORDS = {RESO_OBJECT: "document", "Photo": "photo", "VirtualTour": "video or 360° tour"}


@dataclass(frozen=True)
class DocumentSlot:
    document: ListingDocument
    url: str
    fields: dict[str, str]
    max_bytes: int
    expires_in: int


def _kind(kind: str) -> DocumentKind:
    try:
        return DocumentKind(kind)
    except ValueError:
        raise ValidationError(f"must be one of: {', '.join(DocumentKind)}", field="kind") from None


def check_file(*, content_type: str, size: int, filename: str) -> str:
    """A file about to be uploaded to the documents bucket (a listing's document, an agency's licence): its
    type, size and a safe name, each refused naming its field."""
    if content_type not in SIGNATURES:
        raise ValidationError(f"must be a {formatting.word_list(TYPE_NAMES.values(), last='or')}", field="content_type")
    if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= MAX_BYTES:
        raise ValidationError(f"must be from 1 byte to {MAX_BYTES // (1024 * 1024)} MB", field="size")
    name = (filename or "").strip().replace("/", "_").replace("\\", "_")
    if not name or len(name) > MAX_TEXT:
        raise ValidationError(f"is required (at most {MAX_TEXT} characters)", field="filename")
    return name


def presigned_upload(*, key: str, content_type: str, redirect_to: str | None) -> tuple[str, dict[str, str]]:
    """A presigned POST of one object to the documents bucket (S3 enforces type and size in AWS;
    ``accept_upload`` reads the bytes either way): its URL and form fields."""
    fields, conditions = {"Content-Type": content_type}, [{"Content-Type": content_type},
                                                          ["content-length-range", 1, MAX_BYTES]]
    if redirect_to:  # S3 sends the browser there once stored (a plain HTML form needs no script)
        fields["success_action_redirect"] = redirect_to
        conditions.append({"success_action_redirect": redirect_to})
    post = client("s3").generate_presigned_post(Bucket=settings().documents_bucket, Key=key, Fields=fields,
                                                Conditions=conditions, ExpiresIn=UPLOAD_SECONDS)
    return post["url"], post["fields"]


def _problem_with(size: int, head: bytes, content_type: str) -> str | None:
    if not 0 < size <= MAX_BYTES:
        return f"the file must be from 1 byte to {MAX_BYTES // (1024 * 1024)} MB"
    if not head.startswith(SIGNATURES[content_type]):
        return f"the file is not a {TYPE_NAMES[content_type]}"
    return None


def _check_upload(*, key: str, content_type: str) -> tuple[int, str | None]:
    """The uploaded object's size and what is wrong with it (``None``: a good file). A bad file is deleted;
    nothing uploaded is a ``ValidationError`` naming ``file``."""
    s3, bucket = client("s3"), settings().documents_bucket
    try:
        stored = s3.head_object(Bucket=bucket, Key=key)
        head = s3.get_object(Bucket=bucket, Key=key, Range="bytes=0-15")["Body"].read()
    except ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            raise ValidationError("nothing was uploaded for this document", field="file") from None
        raise
    problem = _problem_with(stored["ContentLength"], head, content_type)
    if problem:
        s3.delete_object(Bucket=bucket, Key=key)
    return stored["ContentLength"], problem


def accept_upload(stored: ListingDocument | AgencyEvidence) -> None:
    """Check the bytes uploaded for ``stored`` (a listing's document, an agency's evidence file): a bad file
    is deleted, the item saved as rejected and a ``ValidationError`` naming ``file`` raised; a good one is
    marked uploaded (the caller saves it with its audit entry)."""
    size, problem = _check_upload(key=stored.object_key, content_type=stored.content_type)
    if problem:
        stored.state, stored.failure = "rejected", problem
        db.save(stored)
        raise ValidationError(problem, field="file")
    stored.state, stored.uploaded_at, stored.size = "uploaded", datetime.now(UTC), size


def delete_file(*, key: str) -> None:
    """Remove a stored file (after the commit that dropped its item). The bucket is versioned: the deletion
    leaves a delete marker and the bytes stay recoverable as a noncurrent version (docs/runbooks/s3-recover.md)."""
    client("s3").delete_object(Bucket=settings().documents_bucket, Key=key)


def signed_download(*, key: str, filename: str) -> str:
    """A short-lived (``URL_SECONDS``) signed URL of one object of the documents bucket, as an attachment."""
    return client("s3").generate_presigned_url("get_object", ExpiresIn=URL_SECONDS, Params={
        "Bucket": settings().documents_bucket, "Key": key,
        "ResponseContentDisposition": f'attachment; filename="{filename}"'})


def _uploader_listing(actor: Actor, listing_id: str) -> Listing:
    """The listing, if this person may add its documents: its broker, its seller, an admin."""
    return listing_for_actor(listing_id=listing_id, actor=actor)


def document_request_upload(*, actor: Actor, listing_id: str, kind: str, content_type: str, size: int,
                            filename: str, redirect_to: str | None = None) -> DocumentSlot:
    """A presigned POST to the documents bucket for one new document (S3 enforces type and size in AWS;
    ``document_confirm_upload`` checks the bytes either way)."""
    chosen = _kind(kind)
    name = check_file(content_type=content_type, size=size, filename=filename)
    listing = _uploader_listing(actor, listing_id)
    if len(list(ListingDocument.of_listing(listing.listing_id))) >= MAX_DOCUMENTS:
        raise ValidationError(f"a listing may have at most {MAX_DOCUMENTS} documents", field="kind")
    document = ListingDocument(listing_id=listing.listing_id, document_id=new_id(), kind=chosen.value,
                               filename=name, content_type=content_type, size=size, uploaded_by=actor.user_id)
    db.save(document, condition=ListingDocument.pk.does_not_exist())
    url, fields = presigned_upload(key=document.object_key, content_type=content_type, redirect_to=redirect_to)
    return DocumentSlot(document=document, url=url, fields=fields, max_bytes=MAX_BYTES, expires_in=UPLOAD_SECONDS)


def document_confirm_upload(*, actor: Actor, listing_id: str, document_id: str) -> ListingDocument:
    """The browser says the upload finished: the stored bytes are checked; a bad file is deleted and the
    document rejected (a ``ValidationError`` naming ``file``)."""
    _uploader_listing(actor, listing_id)
    document = ListingDocument.get_or_not_found(listing_id, document_id, consistent=True)
    if document.state == "uploaded":
        return document
    accept_upload(document)
    with db.transaction() as tx:
        tx.save(document)
        tx.save(audit_entry(actor=actor, entity_type="listing", entity_id=listing_id, action="document_upload",
                            after={"document_id": document_id, "kind": document.kind, "filename": document.filename}))
    return document


def documents_of_listing(*, listing_id: str) -> list[ListingDocument]:
    return sorted(ListingDocument.of_listing(listing_id, consistent_read=True), key=lambda d: d.document_id)


def _text(value: str, field: str, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError("is required", field=field)
    if len(text) > MAX_TEXT * 5:
        raise ValidationError(f"must be at most {MAX_TEXT * 5} characters", field=field)
    return text


@db.rewritten_after_system_writes
def documents_verify(*, actor: Actor, listing_id: str, plot_number: str, owner_name: str, restrictions: str = "",
                     expected_version: int) -> Listing:
    """An admin, having read the uploaded title deed (at least) beside the listing, records what it says and
    marks the listing "documents verified" today."""
    if not actor.is_admin:
        raise PermissionDenied("only admins verify documents")
    review = DocumentsReview(listing_id=listing_id, plot_number=_text(plot_number, "plot_number"),
                             owner_name=_text(owner_name, "owner_name"),
                             restrictions=_text(restrictions, "restrictions", required=False), reviewed_by=actor.user_id)
    listing = listing_get(listing_id=listing_id, consistent=True)
    db.check_version(listing, expected_version, noun="listing")
    kinds = {d.kind for d in documents_of_listing(listing_id=listing_id) if d.state == "uploaded"}
    if DocumentKind.TITLE not in kinds:
        raise ValidationError("the title deed (lalpurja) must be uploaded before the documents are verified",
                              field="documents")
    before = {"documents_verified_at": listing.documents_verified_at}
    listing.documents_verified_at = review.reviewed_at = datetime.now(UTC)
    listing.bump_version()
    with db.transaction(conflict_field="expected_version") as tx:
        tx.save(listing)
        tx.save(review)
        tx.save(audit_entry(actor=actor, entity_type="listing", entity_id=listing_id, action="documents_verify",
                            before=before, after={"documents_verified_at": listing.documents_verified_at,
                                                  "plot_number": review.plot_number, "owner_name": review.owner_name,
                                                  "restrictions": review.restrictions}))
        tx.save(to_outbox(DomainEvent(EventType.DOCUMENTS_VERIFIED, {"listing_id": listing_id})))
    return listing


def _visible_listing(listing_id: str, entitlements: Entitlements) -> Listing:
    listing = Listing.get_or_none(listing_id)
    if listing is None or not can_see(listing, entitlements):
        raise NotFound("no such listing", field="listing_id")
    return listing


def document_access_request(*, actor: Actor, listing_id: str,
                            entitlements: Entitlements) -> tuple[DocumentAccess, bool]:
    """A premium or investor buyer asks the listing's broker for its documents (asking again changes nothing);
    the request, and whether this call made it."""
    listing = _visible_listing(listing_id, entitlements)
    if not entitlements.premium_media:
        raise PermissionDenied("documents are for premium and investor members: subscribe to ask for them")
    existing = DocumentAccess.get_or_none(listing_id, actor.user_id, consistent=True)
    if existing is not None:
        return existing, False
    access = DocumentAccess(listing_id=listing_id, buyer_id=actor.user_id, buyer_email=actor.email,
                            broker_id=listing.broker_id)
    with db.transaction(conflict_message="you asked already") as tx:
        tx.create(access)
        tx.save(to_outbox(DomainEvent(EventType.DOCUMENT_ACCESS_REQUESTED, {
            "listing_id": listing_id, "title": listing.title, "buyer_id": actor.user_id,
            "broker_id": listing.broker_id})))
    return access, True


def document_access_decide(*, actor: Actor, listing_id: str, buyer_id: str, grant: bool,
                           expected_version: int) -> DocumentAccess:
    """The listing's broker (or an admin) grants or refuses one buyer's access, as the page showed the
    request: one decided meanwhile (by an admin, or on another page) is refused, nothing written."""
    listing = listing_get(listing_id=listing_id, consistent=True)
    if not (actor.is_admin or listing.broker_id == actor.user_id):
        raise NotFound("no such listing", field="listing_id")
    access = DocumentAccess.get_or_none(listing_id, buyer_id, consistent=True)
    if access is None:
        raise NotFound("this buyer has not asked for the documents", field="buyer_id")
    db.check_version(access, expected_version, noun="access request")
    before = {"state": access.state}
    access.state = (AccessState.GRANTED if grant else AccessState.REFUSED).value
    access.decided_at, access.decided_by = datetime.now(UTC), actor.user_id
    with db.transaction(conflict_message=db.stale_message("access request"), conflict_field="expected_version") as tx:
        tx.save(access)
        tx.save(audit_entry(actor=actor, entity_type="listing", entity_id=listing_id, action="document_access",
                            before=before, after={"state": access.state, "buyer_id": buyer_id}))
        # The buyer is told (marketplace.notifications): granted, or refused.
        tx.save(to_outbox(DomainEvent(EventType.DOCUMENT_ACCESS_DECIDED, {
            "listing_id": listing_id, "title": listing.title, "buyer_id": buyer_id, "state": access.state})))
    return access


@dataclass(frozen=True)
class DocumentLink:
    document: ListingDocument
    url: str
    expires_at: datetime


def _signed_links(actor: Actor, listing_id: str, chosen: list[ListingDocument]) -> list[DocumentLink]:
    """A 5-minute signed URL per document, each logged (one transaction)."""
    now = datetime.now(UTC)
    links = []
    with db.transaction() as tx:
        for document in chosen:
            url = signed_download(key=document.object_key, filename=document.filename)
            links.append(DocumentLink(document=document, url=url, expires_at=now + timedelta(seconds=URL_SECONDS)))
            tx.save(_log_entry(actor, listing_id, at=now, object_type=RESO_OBJECT, object_id=document.document_id,
                               label=LABELS[DocumentKind(document.kind)]))
    return links


def _log_entry(actor: Actor, listing_id: str, *, at: datetime, object_type: str, object_id: str,
               label: str) -> AccessLogEntry:
    entry = AccessLogEntry(listing_id=listing_id, entry_id=new_id(), at=at, actor_id=actor.user_id,
                           actor_email=actor.email, event_type=RESO_EVENT, object_type=object_type,
                           object_id=object_id, object_label=label)
    entry.expires = at + timedelta(days=LOG_DAYS)
    return entry


def premium_media_viewed(*, actor: Actor, listing_id: str, media: list[tuple[str, str]]) -> None:
    """A signed-in buyer was given signed URLs of a listing's premium media (``(media_id, kind)`` each): one
    log entry per item, for the seller."""
    now = datetime.now(UTC)
    with db.transaction() as tx:
        for media_id, kind in media[:MAX_LOGGED_MEDIA]:
            tx.save(_log_entry(actor, listing_id, at=now, object_type=MEDIA_OBJECTS.get(kind, "Photo"),
                               object_id=media_id, label=f"premium {kind.replace('_', ' ')}"))


def document_link_for_staff(*, actor: Actor, listing_id: str, document_id: str) -> DocumentLink:
    """The listing's broker, its seller or an admin (reviewing) opens one document: signed and logged too."""
    listing_for_actor(listing_id=listing_id, actor=actor)
    document = ListingDocument.get_or_not_found(listing_id, document_id, consistent=True)
    if document.state != "uploaded":
        raise NotFound("no such document", field="document_id")
    return _signed_links(actor, listing_id, [document])[0]


def documents_for_buyer(*, actor: Actor, listing_id: str,
                        entitlements: Entitlements) -> tuple[DocumentAccess | None, list[DocumentLink]]:
    """The buyer's access and, only when it is granted and their membership still entitles them, a signed
    URL for each uploaded document, each logged for the seller."""
    _visible_listing(listing_id, entitlements)
    access = DocumentAccess.get_or_none(listing_id, actor.user_id, consistent=True)
    if access is None or access.state != AccessState.GRANTED or not entitlements.premium_media:
        return access, []
    documents = [d for d in documents_of_listing(listing_id=listing_id) if d.state == "uploaded"]
    return access, _signed_links(actor, listing_id, documents)


def access_log(*, actor: Actor, listing_id: str, limit: int = 100) -> list[AccessLogEntry]:
    """Who was given what of a listing's private material, newest first: its seller, its broker, admins."""
    listing_for_actor(listing_id=listing_id, actor=actor)
    return list(AccessLogEntry.of_listing(listing_id, scan_index_forward=False, limit=limit))


def access_requests_for_broker(*, actor: Actor, limit: int = 100) -> list[DocumentAccess]:
    """Buyers' requests for the documents of this broker's listings, across them all: those waiting for a
    decision first, the longest waiting on top, then the latest decided (two Queries, ``limit`` each)."""
    if not actor.is_broker:
        raise PermissionDenied("only brokers have access requests")
    waiting = DocumentAccess.of_broker(actor.user_id, decided=False, limit=limit)
    decided = DocumentAccess.of_broker(actor.user_id, decided=True, scan_index_forward=False, limit=limit)
    return [*waiting, *decided]


def access_requests_for_listing(*, actor: Actor, listing_id: str) -> list[DocumentAccess]:
    """The buyers who asked for this listing's documents: its broker and admins see them."""
    listing = listing_get(listing_id=listing_id, consistent=True)
    if not (actor.is_admin or listing.broker_id == actor.user_id):
        raise NotFound("no such listing", field="listing_id")
    return sorted(DocumentAccess.of_listing(listing_id, consistent_read=True), key=lambda a: a.requested_at)


def documents_review_of(*, listing_id: str) -> DocumentsReview | None:
    return DocumentsReview.get_or_none(listing_id, consistent=True)
