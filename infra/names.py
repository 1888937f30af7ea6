"""Names of the platform's buckets, derived from the stage prefix, the account and the region: infra
creates them, and tools (``python -m ops failover``) find them, from these functions alone. No CDK here."""

from __future__ import annotations

# The buckets copied to the DR region with DR option 2 (dossier section 9: CRR only for high-value buckets).
CROSS_REGION_PURPOSES = ("raw-uploads", "premium-media")


def bucket_name(*, prefix: str, purpose: str, account: str, region: str) -> str:
    """Globally unique and predictable, so other regions and tools can name it without a lookup."""
    return f"{prefix}-{purpose}-{account}-{region}"


def dr_bucket_name(*, prefix: str, purpose: str, account: str, dr_region: str) -> str:
    """The cross-region copy of the ``purpose`` bucket, in the DR region."""
    return bucket_name(prefix=prefix, purpose=f"{purpose}-dr", account=account, region=dr_region)
