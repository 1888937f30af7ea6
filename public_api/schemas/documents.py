"""A listing's documents as a buyer sees them: their access, and signed links once granted."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from marketplace.services.documents import AccessState, DocumentKind

AccessStateName = Literal[tuple(s.value for s in AccessState)]
DocumentKindName = Literal[tuple(k.value for k in DocumentKind)]


class DocumentAccessOut(BaseModel):
    listing_id: str
    state: AccessStateName = Field(description="requested (the broker decides), granted or refused")
    requested_at: datetime
    decided_at: datetime | None = None


class DocumentLinkOut(BaseModel):
    document_id: str
    kind: DocumentKindName
    label: str
    filename: str
    url: str = Field(description="A signed URL of the private documents bucket, valid until expires_at")
    expires_at: datetime


class DocumentsOut(BaseModel):
    listing_id: str
    access: DocumentAccessOut | None = Field(description="None: not asked for yet")
    documents: list[DocumentLinkOut] = Field(description="Only once access is granted (each link is logged)")
