"""One verifier for every deployable: the back office accepts only its own client's ID tokens, the
public API any app client's ID or access token, both by the pool's issuer and keys."""

from __future__ import annotations

import pytest

from marketplace import tokens
from marketplace.aws import client
from marketplace.config import settings
from marketplace.tokens import TokenError, Verifier, pool_issuer

PASSWORD = "Correct-Horse-Battery-42"


@pytest.fixture
def signed_in(platform) -> dict[str, dict]:
    """A person's tokens from the back office's client and from the apps' client."""
    tokens.reset()
    idp, pool = client("cognito-idp"), platform.user_pool_id
    idp.admin_create_user(UserPoolId=pool, Username="v@example.np", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "v@example.np"}])
    idp.admin_set_user_password(UserPoolId=pool, Username="v@example.np", Password=PASSWORD, Permanent=True)
    credentials = {"USERNAME": "v@example.np", "PASSWORD": PASSWORD}
    return {
        "backoffice": idp.admin_initiate_auth(UserPoolId=pool, ClientId=platform.backoffice_client_id,
                                              AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                              AuthParameters=credentials)["AuthenticationResult"],
        "apps": idp.initiate_auth(ClientId=platform.user_pool_client_id, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters=credentials)["AuthenticationResult"]}


def _verifier(platform, audiences, token_use=None) -> Verifier:
    return Verifier(issuer=pool_issuer(region=settings().region, user_pool_id=platform.user_pool_id),
                    jwks_url=platform.jwks_url, audiences=audiences, token_use=token_use)


def test_an_id_token_verifier_accepts_only_its_client_s_id_tokens(platform, signed_in):
    backoffice = _verifier(platform, (platform.backoffice_client_id,), token_use="id")

    assert backoffice.verify(signed_in["backoffice"]["IdToken"])["email"] == "v@example.np"
    for refused in (signed_in["apps"]["IdToken"], signed_in["backoffice"]["AccessToken"]):
        with pytest.raises(TokenError):
            backoffice.verify(refused)


def test_a_verifier_without_token_use_accepts_id_and_access_tokens_of_its_clients(platform, signed_in):
    apps = _verifier(platform, (platform.user_pool_client_id,))

    assert apps.verify(signed_in["apps"]["IdToken"])["sub"] == apps.verify(signed_in["apps"]["AccessToken"])["sub"]
    with pytest.raises(TokenError):
        apps.verify(signed_in["backoffice"]["IdToken"])


def test_another_pool_s_issuer_is_refused(platform, signed_in):
    elsewhere = Verifier(issuer=pool_issuer(region=settings().region, user_pool_id="ap-south-1_other"),
                         jwks_url=platform.jwks_url, audiences=(platform.user_pool_client_id,))

    with pytest.raises(TokenError):
        elsewhere.verify(signed_in["apps"]["IdToken"])
