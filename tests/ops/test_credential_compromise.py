"""``python -m ops credential-compromise``: dry run first; with --apply a person is signed out
everywhere and disabled with their back-office sessions ended, a key made inactive, a secret given a
new value, and each response recorded in the audit log."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from marketplace.aws import client
from marketplace.config import settings
from marketplace.models import AuditEntry, Session
from ops.cli import main

PASSWORD = "Correct-Horse-Battery-42"


@pytest.fixture
def person(platform) -> dict:
    """A signed-in person: Cognito user with a refresh token and a back-office session."""
    idp, pool = client("cognito-idp"), settings().user_pool_id
    email = "leaked@test.shikhar.np"
    idp.admin_create_user(UserPoolId=pool, Username=email, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": email}])
    idp.admin_set_user_password(UserPoolId=pool, Username=email, Password=PASSWORD, Permanent=True)
    sub = next(a["Value"] for a in idp.admin_get_user(UserPoolId=pool, Username=email)["UserAttributes"]
               if a["Name"] == "sub")
    tokens = idp.initiate_auth(AuthFlow="USER_PASSWORD_AUTH", ClientId=settings().user_pool_client_id,
                               AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})["AuthenticationResult"]
    session = Session(session_key="leakedsession", user_id=sub, data="{}")
    session.derive_keys()
    session.save()
    return {"sub": sub, "refresh": tokens["RefreshToken"]}


def _refresh(token: str):
    return client("cognito-idp").initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=settings().user_pool_client_id,
                                               AuthParameters={"REFRESH_TOKEN": token})


def test_a_dry_run_says_what_it_would_do_and_changes_nothing(person, capsys):
    assert main(["credential-compromise", "--user", person["sub"]]) == 0

    out = capsys.readouterr().out
    assert "dry run" in out and f"would sign out user {person['sub']}" in out
    assert _refresh(person["refresh"])["AuthenticationResult"]["IdToken"]
    assert Session.owner_index.count(f"SESSIONS#{person['sub']}") == 1


def test_a_compromised_person_is_signed_out_disabled_and_recorded(person):
    assert main(["credential-compromise", "--user", person["sub"], "--reason", "phished", "--apply"]) == 0

    idp = client("cognito-idp")
    assert idp.admin_get_user(UserPoolId=settings().user_pool_id, Username=person["sub"])["Enabled"] is False
    with pytest.raises(ClientError):
        _refresh(person["refresh"])
    assert Session.owner_index.count(f"SESSIONS#{person['sub']}") == 0
    audit = list(AuditEntry.query(f"AUDIT#credential#user:{person['sub']}"))
    assert [(a.action, a.reason, a.actor_id) for a in audit] == [("sign_out_and_disable", "phished", "ops")]


def test_a_leaked_access_key_is_made_inactive(platform):
    iam = client("iam")
    iam.create_user(UserName="ci-deployer")
    key = iam.create_access_key(UserName="ci-deployer")["AccessKey"]["AccessKeyId"]

    assert main(["credential-compromise", "--access-key", key, "--apply"]) == 0

    keys = iam.list_access_keys(UserName="ci-deployer")["AccessKeyMetadata"]
    assert [(k["AccessKeyId"], k["Status"]) for k in keys] == [(key, "Inactive")]


def test_a_leaked_secret_gets_a_new_value_of_the_same_shape(platform):
    manager = client("secretsmanager")
    manager.create_secret(Name="shikhar-test/canary-user",
                          SecretString=json.dumps({"username": "canary@shikhar.np", "password": "old-password"}))

    assert main(["credential-compromise", "--secret", "shikhar-test/canary-user", "--apply"]) == 0

    current = json.loads(manager.get_secret_value(SecretId="shikhar-test/canary-user")["SecretString"])
    previous = json.loads(manager.get_secret_value(SecretId="shikhar-test/canary-user",
                                                   VersionStage="AWSPREVIOUS")["SecretString"])
    assert current["username"] == "canary@shikhar.np" and len(current["password"]) >= 48
    assert previous["password"] == "old-password"


def test_an_unknown_person_is_a_clear_failure_and_nothing_else_runs(platform, capsys):
    assert main(["credential-compromise", "--user", "no-such-sub", "--apply"]) == 1
    assert "UserNotFoundException" in capsys.readouterr().err


def test_nothing_named_is_a_usage_error(platform):
    assert main(["credential-compromise"]) == 2
