from datetime import UTC, datetime, timedelta

import pytest

from marketplace import outbox
from marketplace.actors import Actor, Group
from marketplace.aws import client
from marketplace.config import settings
from marketplace.entitlements import Tier
from marketplace.errors import Conflict, PermissionDenied, ValidationError
from marketplace.models import AuditEntry
from marketplace.selectors.people import (
    entitlements_for,
    profile_and_subscription,
    subscriptions_expiring,
    users_search,
)
from marketplace.services.people import (
    broker_profile_create,
    subscription_extend,
    subscription_grant,
    subscription_revoke,
    user_groups_change,
    user_profile_sync,
)


def test_licence_numbers_are_unique(table, admin):
    broker_profile_create(actor=admin, broker_id="b1", name="Bikash", email="b@x.np", licence_number="dlm-1",
                          company="Himalayan Realty")
    with pytest.raises(ValidationError) as caught:
        broker_profile_create(actor=admin, broker_id="b2", name="Other", email="o@x.np", licence_number="DLM-1",
                              company="Other Realty")
    assert caught.value.field == "licence_number"


def test_a_broker_has_one_profile(table, admin):
    broker_profile_create(actor=admin, broker_id="b1", name="Bikash", email="b@x.np", licence_number="dlm-1",
                          company="Himalayan Realty")
    with pytest.raises(Conflict):
        broker_profile_create(actor=admin, broker_id="b1", name="Bikash", email="b@x.np", licence_number="dlm-2",
                              company="Himalayan Realty")


def test_subscriptions_grant_extend_and_revoke_with_events(table, admin, buyer):
    end = datetime.now(UTC) + timedelta(days=30)
    with pytest.raises(ValidationError) as caught:
        subscription_grant(actor=admin, user_id=buyer.user_id, tier="premium", expires_at=end, reason="")
    assert caught.value.field == "reason"
    with pytest.raises(PermissionDenied):
        subscription_grant(actor=buyer, user_id=buyer.user_id, tier="investor", expires_at=end, reason="me")

    subscription_grant(actor=admin, user_id=buyer.user_id, tier="premium", expires_at=end, reason="eSewa ref 123")
    assert entitlements_for(user_id=buyer.user_id).early_access
    assert [s.user_id for s in subscriptions_expiring(within=timedelta(days=31))] == [buyer.user_id]
    subscription_extend(actor=admin, user_id=buyer.user_id, expires_at=end + timedelta(days=365), reason="renewed")
    assert subscriptions_expiring(within=timedelta(days=31)) == []
    subscription_revoke(actor=admin, user_id=buyer.user_id, reason="refund")
    rights = entitlements_for(user_id=buyer.user_id)
    assert not rights.active and not rights.premium_media
    assert [r.detail_type for r in outbox.pending()] == ["SubscriptionChanged"] * 3


def test_profile_and_subscription_come_in_one_query(table, admin):
    user_profile_sync(user_id="u1", email="Priya@Example.com", groups=["buyers"], name="Priya")
    subscription_grant(actor=admin, user_id="u1", tier="investor", expires_at=datetime.now(UTC) + timedelta(days=9),
                       reason="investor programme")
    profile, subscription = profile_and_subscription(user_id="u1")
    assert profile.name == "Priya" and subscription.tier == "investor"
    assert [p.user_id for p in users_search(email_prefix="priya").items] == ["u1"]


def test_group_changes_go_to_cognito_and_the_profile(platform, admin):
    idp = client("cognito-idp")
    pool = settings().user_pool_id
    idp.admin_create_user(UserPoolId=pool, Username="new@demo.shikhar.np", MessageAction="SUPPRESS")
    sub = next(a["Value"] for a in idp.admin_get_user(UserPoolId=pool, Username="new@demo.shikhar.np")["UserAttributes"]
               if a["Name"] == "sub")
    user_profile_sync(user_id=sub, email="new@demo.shikhar.np", groups=[])
    user_groups_change(actor=admin, user_id=sub, add=[Group.INVESTORS.value], reason="signed NDA")
    groups = idp.admin_list_groups_for_user(UserPoolId=pool, Username="new@demo.shikhar.np")["Groups"]
    assert [g["GroupName"] for g in groups] == ["investors"]
    with pytest.raises(ValidationError):
        user_groups_change(actor=admin, user_id=sub, add=["wizards"])
    me = Actor(user_id=admin.user_id, groups=frozenset({Group.ADMINS}))
    user_profile_sync(user_id=me.user_id, email="admin@demo.shikhar.np", groups=["admins"])
    with pytest.raises(ValidationError):
        user_groups_change(actor=me, user_id=me.user_id, remove=["admins"])


def test_a_subscription_granted_with_a_typed_tier_is_audited_as_its_name(table, admin):
    # Given an admin granting a tier as the domain names it (an enum, as demo seeding does)
    granted = subscription_grant(actor=admin, user_id="buyer-typed", tier=Tier.PREMIUM,
                                        expires_at=datetime(2030, 1, 31, tzinfo=UTC), reason="eSewa 7F3K")

    # Then it is saved, and the audit shows the tier's name
    [entry] = AuditEntry.history("subscription", "buyer-typed")
    assert granted.tier == "premium" and entry.changes["tier"]["after"] == "premium"
