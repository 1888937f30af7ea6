from datetime import UTC, datetime, timedelta

import pytest

from marketplace import outbox
from marketplace.actors import Actor, Group
from marketplace.aws import client
from marketplace.config import settings
from marketplace.entitlements import Tier
from marketplace.errors import Conflict, PermissionDenied, ValidationError
from marketplace.models import AuditEntry, Subscription
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
        subscription_grant(actor=admin, user_id=buyer.user_id, tier="premium", expires_at=end, reason="",
                           expected_version=None)
    assert caught.value.field == "reason"
    with pytest.raises(PermissionDenied):
        subscription_grant(actor=buyer, user_id=buyer.user_id, tier="investor", expires_at=end, reason="me",
                           expected_version=None)

    granted = subscription_grant(actor=admin, user_id=buyer.user_id, tier="premium", expires_at=end,
                                 reason="eSewa ref 123", expected_version=None)
    assert entitlements_for(user_id=buyer.user_id).early_access
    assert [s.user_id for s in subscriptions_expiring(within=timedelta(days=31))] == [buyer.user_id]
    extended = subscription_extend(actor=admin, user_id=buyer.user_id, expires_at=end + timedelta(days=365),
                                   reason="renewed", expected_version=granted.version)
    assert subscriptions_expiring(within=timedelta(days=31)) == []
    subscription_revoke(actor=admin, user_id=buyer.user_id, reason="refund", expected_version=extended.version)
    rights = entitlements_for(user_id=buyer.user_id)
    assert not rights.active and not rights.premium_media
    assert [r.detail_type for r in outbox.pending()] == ["SubscriptionChanged"] * 3


@pytest.mark.parametrize("change", ["grant", "extend", "revoke"])
def test_a_subscription_changed_from_a_stale_read_is_a_conflict_and_writes_nothing(table, admin, second_admin,
                                                                                 buyer, change):
    # Given a premium term as an admin's page showed it, extended by a second admin meanwhile
    end = datetime.now(UTC) + timedelta(days=30)
    shown = subscription_grant(actor=admin, user_id=buyer.user_id, tier="premium", expires_at=end, reason="eSewa 1",
                               expected_version=None)
    current = subscription_extend(actor=second_admin, user_id=buyer.user_id, expires_at=end + timedelta(days=60),
                                  reason="renewed", expected_version=shown.version)
    changes = {
        "grant": lambda: subscription_grant(actor=admin, user_id=buyer.user_id, tier="investor", expires_at=end,
                                            reason="upgrade", expected_version=shown.version),
        "extend": lambda: subscription_extend(actor=admin, user_id=buyer.user_id, expires_at=end + timedelta(days=9),
                                              reason="goodwill", expected_version=shown.version),
        "revoke": lambda: subscription_revoke(actor=admin, user_id=buyer.user_id, reason="refund",
                                              expected_version=shown.version),
    }

    # When the first admin changes it from what they read
    with pytest.raises(Conflict) as error:
        changes[change]()

    # Then they are told to reload, and the second admin's term stands
    assert error.value.field == "expected_version" and "reload" in error.value.message
    stored = Subscription.get(*Subscription.key(buyer.user_id))
    assert (stored.version, stored.tier, stored.expires_at) == (current.version, "premium", current.expires_at)


def test_a_grant_for_a_person_shown_without_a_subscription_is_refused_once_they_have_one(table, admin, buyer):
    end = datetime.now(UTC) + timedelta(days=30)
    subscription_grant(actor=admin, user_id=buyer.user_id, tier="premium", expires_at=end, reason="eSewa 1",
                       expected_version=None)

    with pytest.raises(Conflict):
        subscription_grant(actor=admin, user_id=buyer.user_id, tier="investor", expires_at=end, reason="again",
                           expected_version=None)
    assert Subscription.get(*Subscription.key(buyer.user_id)).tier == "premium"


def test_profile_and_subscription_come_in_one_query(table, admin):
    user_profile_sync(user_id="u1", email="Priya@Example.com", groups=["buyers"], name="Priya")
    subscription_grant(actor=admin, user_id="u1", tier="investor", expires_at=datetime.now(UTC) + timedelta(days=9),
                       reason="investor programme", expected_version=None)
    profile, subscription = profile_and_subscription(user_id="u1")
    assert profile.name == "Priya" and subscription.tier == "investor"
    assert [p.user_id for p in users_search(text="priya").items] == ["u1"]


def test_group_changes_go_to_cognito_and_the_profile(platform, admin):
    idp = client("cognito-idp")
    pool = settings().user_pool_id
    idp.admin_create_user(UserPoolId=pool, Username="new@demo.shikhar.np", MessageAction="SUPPRESS")
    sub = next(a["Value"] for a in idp.admin_get_user(UserPoolId=pool, Username="new@demo.shikhar.np")["UserAttributes"]
               if a["Name"] == "sub")
    user_profile_sync(user_id=sub, email="new@demo.shikhar.np", groups=[])
    user_groups_change(actor=admin, user_id=sub, add=[Group.INVESTORS.value], reason="signed NDA", expected_groups=[])
    groups = idp.admin_list_groups_for_user(UserPoolId=pool, Username="new@demo.shikhar.np")["Groups"]
    assert [g["GroupName"] for g in groups] == ["investors"]
    with pytest.raises(ValidationError):
        user_groups_change(actor=admin, user_id=sub, add=["wizards"], expected_groups=["investors"])
    me = Actor(user_id=admin.user_id, groups=frozenset({Group.ADMINS}))
    user_profile_sync(user_id=me.user_id, email="admin@demo.shikhar.np", groups=["admins"])
    with pytest.raises(ValidationError):
        user_groups_change(actor=me, user_id=me.user_id, remove=["admins"], expected_groups=["admins"])


def test_a_subscription_granted_with_a_typed_tier_is_audited_as_its_name(table, admin):
    # Given an admin granting a tier as the domain names it (an enum, as demo seeding does)
    granted = subscription_grant(actor=admin, user_id="buyer-typed", tier=Tier.PREMIUM,
                                        expires_at=datetime(2030, 1, 31, tzinfo=UTC), reason="eSewa 7F3K",
                                        expected_version=None)

    # Then it is saved, and the audit shows the tier's name
    [entry] = AuditEntry.history("subscription", "buyer-typed")
    assert granted.tier == "premium" and entry.changes["tier"]["after"] == "premium"
