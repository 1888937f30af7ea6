"""Configuration from the environment, in one place, for every deployable.

In AWS the endpoint is empty and the region is ap-south-1; locally and in tests ``AWS_ENDPOINT_URL``
points at the emulator. Resource names default from one prefix (``SHIKHAR_PREFIX``); infra sets each
name explicitly. The variables' names are declared in ``marketplace.deployment.Env`` (infra sets them by
the same names). Nothing here talks to AWS.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache

from marketplace.deployment import Env, in_lambda, require_declared


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name) or default


def _prefix() -> str:
    return _env(Env.PREFIX, "shikhar-local")


def _stage() -> str:
    return _env(Env.STAGE, "" if in_lambda() else "local")


def _named(variable: str, suffix: str):
    return field(default_factory=lambda: _env(variable, f"{_prefix()}-{suffix}"))


@dataclass(frozen=True)
class CallBudget:
    """Timeouts and attempts for every AWS call of one process, sized so that a stalled dependency
    costs at most ``attempts * (connect + read)`` plus short back-offs: well inside the function's own
    timeout, leaving time to answer 503 instead of being killed mid-request."""

    connect_seconds: float
    read_seconds: float
    attempts: int  # total, the first try included

    @classmethod
    def for_timeout(cls, function_timeout_seconds: float) -> CallBudget:
        usable = function_timeout_seconds * 0.7  # the rest: back-offs, our own work, the error answer
        connect = 1.0
        read = min(10.0, max(1.0, function_timeout_seconds / 5))
        attempts = max(1, min(3, int(usable // (connect + read))))
        return cls(connect_seconds=connect, read_seconds=read, attempts=attempts)

    @property
    def worst_case_seconds(self) -> float:
        return self.attempts * (self.connect_seconds + self.read_seconds)


@dataclass(frozen=True)
class Settings:
    environment: str = field(default_factory=_stage)
    prefix: str = field(default_factory=_prefix)
    region: str = field(default_factory=lambda: _env("AWS_DEFAULT_REGION", _env("AWS_REGION", "ap-south-1")))
    endpoint_url: str | None = field(default_factory=lambda: _env("AWS_ENDPOINT_URL") or None)
    table_name: str = field(default_factory=lambda: _env(Env.TABLE, _prefix()))
    raw_bucket: str = _named(Env.RAW_BUCKET, "raw-uploads")
    public_bucket: str = _named(Env.PUBLIC_BUCKET, "public-media")
    premium_bucket: str = _named(Env.PREMIUM_BUCKET, "premium-media")
    search_bucket: str = _named(Env.SEARCH_BUCKET, "search-index")
    documents_bucket: str = _named(Env.DOCUMENTS_BUCKET, "documents")
    # The search index (marketplace.search_index): the API checks the current version at most this often;
    # the writer publishes at most this often.
    search_refresh_seconds: float = field(default_factory=lambda: float(_env(Env.SEARCH_REFRESH_SECONDS, "10")))
    search_publish_seconds: float = field(default_factory=lambda: float(_env(Env.SEARCH_PUBLISH_SECONDS, "3")))
    event_bus: str = field(default_factory=lambda: _env(Env.EVENT_BUS, _prefix()))
    notify_topic_arn: str = field(default_factory=lambda: _env(Env.NOTIFY_TOPIC_ARN))
    user_pool_id: str = field(default_factory=lambda: _env(Env.USER_POOL_ID))
    user_pool_client_id: str = field(default_factory=lambda: _env(Env.USER_POOL_CLIENT_ID))
    backoffice_client_id: str = field(default_factory=lambda: _env(Env.BACKOFFICE_CLIENT_ID))
    jwks_url: str = field(default_factory=lambda: _env(Env.JWKS_URL))
    # Where public media is served from: the CloudFront /media path in AWS, the local media edge's locally.
    public_media_base_url: str = field(default_factory=lambda: _env(Env.PUBLIC_MEDIA_URL))
    # The function's own timeout (infra sets it on every function; 10 s, the API's, when unset). Against
    # the emulator (make run, tests) 60 s: it shares two cores with everything else and can be far slower.
    function_timeout_seconds: float = field(default_factory=lambda: float(_env(
        Env.FUNCTION_TIMEOUT, "60" if _env("AWS_ENDPOINT_URL") else "10")))
    # Premium media: CloudFront signed URLs (marketplace.media_urls); the names of where the key is.
    signed_url_seconds: int = field(default_factory=lambda: int(_env(Env.SIGNED_URL_SECONDS, "300")))
    cloudfront_key_secret: str = field(default_factory=lambda: _env(Env.CLOUDFRONT_KEY_SECRET))
    cloudfront_key_id_parameter: str = field(default_factory=lambda: _env(Env.CLOUDFRONT_KEY_ID_PARAMETER))
    cloudfront_domain_parameter: str = field(default_factory=lambda: _env(Env.CLOUDFRONT_DOMAIN_PARAMETER))
    # The distribution whose cached copies of moved media are invalidated (empty: nothing to invalidate).
    cloudfront_distribution_id: str = field(default_factory=lambda: _env(Env.CLOUDFRONT_DISTRIBUTION_ID))
    # Delivery (marketplace.delivery): who mail comes from and where its links point.
    mail_from: str = field(default_factory=lambda: _env(Env.MAIL_FROM, "Shikhar <alerts@shikhar.np>"))
    ses_configuration_set: str = field(default_factory=lambda: _env(Env.SES_CONFIGURATION_SET))
    site_url: str = field(default_factory=lambda: _env(Env.SITE_URL, "https://shikhar.np").rstrip("/"))
    api_url: str = field(default_factory=lambda: _env(Env.API_URL, "https://shikhar.np/api").rstrip("/"))
    backoffice_url: str = field(default_factory=lambda: _env(Env.BACKOFFICE_URL, "https://admin.shikhar.np").rstrip("/"))
    # Digests at scale and push per buyer app (marketplace.alerts.digests, marketplace.delivery.push).
    digest_queue_url: str = field(default_factory=lambda: _env(Env.DIGEST_QUEUE_URL))
    push_topic_arns: dict[str, str] = field(default_factory=lambda: json.loads(_env(Env.PUSH_TOPIC_ARNS, "{}")))
    event_source: str = "np.shikhar.marketplace"
    # Licensed deals (marketplace.licensing): a listing priced above this, in a municipality of these
    # classes, is approved only while its agency's licence is valid. Land Revenue Regulations 2082 amendment.
    licensed_deal_threshold_npr: int = field(default_factory=lambda: int(_env(Env.LICENSED_DEAL_THRESHOLD,
                                                                                "30000000")))
    licensed_deal_scope: tuple[str, ...] = field(default_factory=lambda: tuple(
        part.strip() for part in _env(Env.LICENSED_DEAL_SCOPE, "metropolitan,sub_metropolitan").split(",")
        if part.strip()))
    # Listings that stay true (marketplace.services.freshness): an active listing unconfirmed this many days
    # asks its broker to reconfirm; unconfirmed this many, it expires and leaves search.
    listing_reconfirm_days: int = field(default_factory=lambda: int(_env(Env.LISTING_RECONFIRM_DAYS, "30")))
    listing_expire_days: int = field(default_factory=lambda: int(_env(Env.LISTING_EXPIRE_DAYS, "45")))
    # A sold or let listing stays in search this many days with its "Sold"/"Rented" badge, then the
    # freshness sweep takes it out (0: it leaves at the next sweep).
    sold_shown_days: int = field(default_factory=lambda: int(_env(Env.SOLD_SHOWN_DAYS, "30")))

    @property
    def call_budget(self) -> CallBudget:
        return CallBudget.for_timeout(self.function_timeout_seconds)

    @property
    def is_emulated(self) -> bool:
        return self.endpoint_url is not None

    def queue_name(self, name: str) -> str:
        return f"{self.prefix}-{name}"


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings()


def reload_settings() -> Settings:
    """Re-read the environment (after local provisioning exported new resource ids)."""
    settings.cache_clear()
    return settings()


# In Lambda every function imports this module during its init: one check for all of them, so a function
# whose environment lacks its stage or a variable its stack declared stops there, with one log line.
require_declared()
