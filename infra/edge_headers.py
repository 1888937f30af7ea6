"""The security headers CloudFront adds to every response (its response headers policy), declared once:
the CDK edge stack builds the policy from them and the local media edge sends them. Import-light (no CDK).
The policy's Content-Security-Policy is the site's (``marketplace.deployment.site_csp``)."""

from __future__ import annotations

HSTS_SECONDS = 730 * 24 * 3600
FRAME_OPTIONS = "DENY"
REFERRER_POLICY = "strict-origin-when-cross-origin"

SECURITY_HEADERS: dict[str, str] = {
    "Strict-Transport-Security": f"max-age={HSTS_SECONDS}; includeSubDomains",
    "X-Frame-Options": FRAME_OPTIONS,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": REFERRER_POLICY,
}
