"""The deployment stages, from one configuration: every difference between dev, staging and prod is here.

Accounts are the organization's member accounts (one per stage). Sizes, retention and the DR option
differ by stage; everything else is the same code. ``SHIKHAR_ACCOUNT_<STAGE>`` overrides an account
(e.g. a personal sandbox) without editing this file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace

from marketplace import deployment

REGION = "ap-south-1"  # Mumbai: the closest region to Kathmandu
EDGE_REGION = "us-east-1"  # CloudFront-scoped WAF web ACLs live here
# The repository whose workflows may deploy (GitHub OpenID Connect subject); a placeholder until the
# organization's repository is named here or in SHIKHAR_GITHUB_REPOSITORY.
GITHUB_REPOSITORY = os.environ.get("SHIKHAR_GITHUB_REPOSITORY", "shikhar-np/shikhar")


@dataclass(frozen=True)
class StageConfig:
    name: str
    account: str
    region: str = REGION
    # DR option of the dossier (section 9): 1 = single region + PITR + same-region replication;
    # 2 = adds cross-region replication of raw and premium media to ``dr_region``.
    dr_option: int = 1
    dr_region: str = "ap-south-2"
    api_memory_mb: int = 512
    worker_memory_mb: int = 256
    log_retention_days: int = 14
    access_log_retention_days: int = 30
    api_rate_limit: int = 50  # steady requests per second across the HTTP API
    api_burst_limit: int = 100
    waf_rate_limit: int = 1000  # requests per 5 minutes from one IP before WAF blocks it
    monthly_budget_usd: int = 150
    alarm_email: str = "ops@shikhar.np"
    owner: str = "platform"
    cost_center: str = "shikhar-marketplace"
    # Cognito threat protection (Plus feature plan) costs per MAU: on where the stakes justify it.
    threat_protection: bool = False
    canary_every_minutes: int = 15
    # Origin of the back office (the API Gateway domain Zappa creates), when deployed.
    backoffice_origin: str | None = None
    allowed_origins: tuple[str, ...] = ()
    # The buyers' web app: real-user monitoring accepts events from this domain and its subdomains.
    site_domain: str = "shikhar.np"
    # Payments: the providers' live endpoints in prod, their sandboxes elsewhere.
    live_payments: bool = False
    esewa_product_code: str = "EPAYTEST"  # the merchant code eSewa gives; its documented test code until then
    # Tables, keys and buckets survive a stack deletion outside dev.
    retain_data: bool = True
    export_schedule: str = "cron(0 20 ? * SAT *)"  # weekly, Saturday 02:00 Nepal time (UTC+5:45)
    # A pull request's throw-away copy of dev, in dev's account: it leaves out the account-wide services
    # (one trail, detector, hub and recorder per account and region, owned by dev's stacks).
    ephemeral: bool = False

    @property
    def prefix(self) -> str:
        return deployment.prefix(self.name)

    @property
    def payment_return_url(self) -> str:
        """The public API as buyers' browsers reach it (CloudFront's /api on the site's domain): eSewa and
        Khalti send buyers back under it."""
        return f"https://{self.site_domain}/api"

    @property
    def key_stage(self) -> str:
        """Whose CloudFront public key (``infra/keys/<stage>.pem``) the stage trusts: a pull request's, dev's."""
        return "dev" if self.ephemeral else self.name

    def __post_init__(self) -> None:
        if self.dr_option not in (1, 2):
            raise ValueError(f"dr_option must be 1 or 2, got {self.dr_option}")
        if not (len(self.account) == 12 and self.account.isdigit()):
            raise ValueError(f"account must be a 12-digit AWS account id, got {self.account!r}")


_STAGES: dict[str, StageConfig] = {
    "dev": StageConfig(
        name="dev", account="111111111111", log_retention_days=14, api_rate_limit=20, api_burst_limit=40,
        monthly_budget_usd=150, retain_data=False, canary_every_minutes=60, site_domain="dev.shikhar.np",
        allowed_origins=tuple(deployment.local_backoffice_origins())),
    "staging": StageConfig(
        name="staging", account="222222222222", log_retention_days=14, monthly_budget_usd=200,
        site_domain="staging.shikhar.np",
        canary_every_minutes=30),
    "prod": StageConfig(
        name="prod", account="333333333333", dr_option=2, api_memory_mb=1024, log_retention_days=30,
        access_log_retention_days=90, api_rate_limit=200, api_burst_limit=400, waf_rate_limit=2000,
        monthly_budget_usd=500, threat_protection=True, canary_every_minutes=5, live_payments=True,
        allowed_origins=("https://shikhar.np", "https://www.shikhar.np")),
}

STAGE_NAMES: tuple[str, ...] = tuple(_STAGES)
_PULL_REQUEST = re.compile(r"^pr[1-9][0-9]{0,5}$")


def stage(name: str) -> StageConfig:
    """One of ``STAGE_NAMES``, or ``pr<number>``: the ephemeral stack set of one pull request."""
    if _PULL_REQUEST.match(name):
        config = replace(_STAGES["dev"], name=name, ephemeral=True, retain_data=False, canary_every_minutes=60,
                         allowed_origins=(), monthly_budget_usd=50)
    else:
        try:
            config = _STAGES[name]
        except KeyError:
            raise ValueError(f"unknown stage {name!r}: one of {', '.join(STAGE_NAMES)} or pr<number>") from None
    account = os.environ.get(f"SHIKHAR_ACCOUNT_{'DEV' if config.ephemeral else name.upper()}")
    return replace(config, account=account) if account else config


def stages() -> list[StageConfig]:
    return [stage(name) for name in STAGE_NAMES]


