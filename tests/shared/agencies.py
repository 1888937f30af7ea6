"""Licensed agencies for tests: an agency recorded and verified by an admin, with brokers placed in it,
through the domain's own services."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from marketplace.actors import Actor
from marketplace.ids import new_id
from marketplace.licensing import LicenceClass, Verification, today
from marketplace.models import Agency, BrokerProfile
from marketplace.services import agencies
from marketplace.services.people import broker_profile_create
from tests.shared.people import ADMIN


def valid_until(days: int = 365) -> date:
    return today(datetime.now(UTC)) + timedelta(days=days)


def licensed_agency(*brokers: Actor, admin: Actor = ADMIN, name: str = "Himal Realty Pvt Ltd",
                    licence_number: str | None = None, expires_on: date | None = None,
                    verified: bool = True) -> Agency:
    """An agency whose licence ends on ``expires_on`` (a year from now by default), verified by ``admin``
    unless told otherwise, with ``brokers`` in it (a broker without a profile gets one)."""
    agency = agencies.agency_create(
        actor=admin, name=name, licence_number=licence_number or f"DLM-{new_id()[-10:].upper()}",
        licence_class=LicenceClass.COMPANY.value, licence_expires_on=expires_on or valid_until(),
        evidence="DLM published list 2082/83, entry 41; certificate 2082-041")
    if verified:
        agency = agencies.agency_verify(actor=admin, agency_id=agency.agency_id, decision=Verification.VERIFIED,
                                        note="on the DLM list of 2082-06-01, entry 41", expected_version=agency.version)
    for broker in brokers:
        if BrokerProfile.get_or_none(broker.user_id, consistent=True) is None:
            broker_profile_create(actor=admin, broker_id=broker.user_id, name=broker.name or broker.email,
                                  email=broker.email, licence_number=f"B-{broker.user_id[:24]}",
                                  company=name)
        agencies.broker_agency_set(actor=admin, broker_id=broker.user_id, agency_id=agency.agency_id)
    return agency
