"""``/v1/listings/{listing_id}/documents``: premium and investor buyers ask for a listing's documents
and, once its broker grants it, get short-lived signed links (each logged for the seller)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from marketplace.services.documents import LABELS, DocumentKind, document_access_request, documents_for_buyer
from public_api.auth import signed_in_caller
from public_api.routers import LISTING_ID, SIGNED_IN, documented
from public_api.schemas.documents import DocumentAccessOut, DocumentLinkOut, DocumentsOut

router = Router()


def _access(access) -> DocumentAccessOut | None:
    if access is None:
        return None
    return DocumentAccessOut(listing_id=access.listing_id, state=access.state, requested_at=access.requested_at,
                             decided_at=access.decided_at)


@router.post("/<listing_id>/documents/access", security=SIGNED_IN, tags=["documents"],
             summary="Ask the listing's broker for its documents (premium and investor members)",
             responses={**documented(201, "Asked", errors=(401, 403, 404, 422)),
                        200: {"description": "Asked already: the request as it stands"}})
def ask(listing_id: Annotated[str, Path(pattern=LISTING_ID)]) -> Response[DocumentAccessOut]:
    caller = signed_in_caller(router.current_event)
    access, created = document_access_request(actor=caller.actor, listing_id=listing_id,
                                              entitlements=caller.entitlements)
    return Response(status_code=201 if created else 200, content_type="application/json", body=_access(access))


@router.get("/<listing_id>/documents", security=SIGNED_IN, tags=["documents"],
            summary="My access to the listing's documents, and their signed links once granted",
            responses=documented(errors=(401, 404)))
def documents(listing_id: Annotated[str, Path(pattern=LISTING_ID)]) -> DocumentsOut:
    caller = signed_in_caller(router.current_event)
    access, links = documents_for_buyer(actor=caller.actor, listing_id=listing_id, entitlements=caller.entitlements)
    return DocumentsOut(listing_id=listing_id, access=_access(access), documents=[
        DocumentLinkOut(document_id=link.document.document_id, kind=link.document.kind,
                        label=LABELS[DocumentKind(link.document.kind)], filename=link.document.filename,
                        url=link.url, expires_at=link.expires_at) for link in links])
