"""Secrets in Secrets Manager, encrypted with the data key. Values are never in code or templates."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.nag import acknowledge


class Secrets(Construct):
    def __init__(self, scope: Construct, id: str, *, names: dict[str, str], key: kms.IKey,
                 removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, id)
        # The CloudFront signing key's private half: generated outside AWS with its public half, put here
        # by the signing-key runbook (a placeholder until then; signed URLs fail closed).
        self.signing_key = secretsmanager.Secret(
            self, "SigningKey", secret_name=names["signing_key"], encryption_key=key, removal_policy=removal_policy,
            description="PEM private key of the CloudFront key group (premium media signed URLs)",
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=32, exclude_punctuation=True))
        self.django = secretsmanager.Secret(
            self, "DjangoSecretKey", secret_name=names["django"], encryption_key=key, removal_policy=removal_policy,
            description="Django SECRET_KEY of the back office",
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=64, exclude_characters="\"'\\"))
        # The synthetic user the canary signs in as (a buyer with a premium subscription).
        self.canary = secretsmanager.Secret(
            self, "CanaryUser", secret_name=names["canary"], encryption_key=key, removal_policy=removal_policy,
            description="Sign-in of the synthetic canary's buyer",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template='{"username": "canary@shikhar.np"}', generate_string_key="password",
                password_length=24, require_each_included_type=True, exclude_punctuation=True))
        # The HMAC key that signs pagination cursors (so clients can neither forge nor retarget them).
        self.cursor = secretsmanager.Secret(
            self, "CursorKey", secret_name=names["cursor"], encryption_key=key, removal_policy=removal_policy,
            description="HMAC key signing pagination cursors (public API and back office)",
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=48, exclude_punctuation=True))
        # What CloudFront sends the public API to prove a request came through the edge (public_api.origin).
        self.origin_verify = secretsmanager.Secret(
            self, "OriginVerify", secret_name=names["origin_verify"], encryption_key=key,
            removal_policy=removal_policy,
            description="Value of the origin header CloudFront sends the public API (direct calls are refused)",
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=48, exclude_punctuation=True))
        # Our keys with the payment providers (eSewa's ePay v2 HMAC secret, Khalti's live secret key): a
        # placeholder until the payment-providers runbook puts the merchant keys here; payments fail closed.
        self.esewa = secretsmanager.Secret(
            self, "EsewaKey", secret_name=names["esewa"], encryption_key=key, removal_policy=removal_policy,
            description="eSewa ePay v2 merchant secret key (signs the payment form, verifies eSewa's answers)",
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=32, exclude_punctuation=True))
        self.khalti = secretsmanager.Secret(
            self, "KhaltiKey", secret_name=names["khalti"], encryption_key=key, removal_policy=removal_policy,
            description="Khalti KPG-2 live secret key (initiate and lookup)",
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=32, exclude_punctuation=True))
        for secret, how in ((self.esewa, "the payment-providers runbook (a new key from eSewa's merchant portal)"),
                            (self.khalti, "the payment-providers runbook (a new key from Khalti's merchant portal)"),
                            (self.cursor, "replacing its value (outstanding cursors then expire harmlessly)"),
                            (self.origin_verify, "the origin-secret runbook (new value, then redeploy the edge)"),
                            (self.signing_key, "the signing-key runbook (new key pair, new public key, deploy)"),
                            (self.django, "the credential-compromise runbook (new value, redeploy)"),
                            (self.canary, "the credential-compromise runbook (new password for the canary user)")):
            acknowledge(secret, *[("AwsSolutions-SMG4", f"No rotation Lambda can rotate this value alone; it is rotated by {how}.")])
