"""AWS Lambda behind API Gateway behind CloudFront (Zappa). Resource names come from Parameter Store, the
signing and cursor keys from Secrets Manager; static files from S3 behind CloudFront (the same site, no
third-party CDN). ``make run`` with ``SHIKHAR_PROFILE=production-like`` runs these same settings on the
emulator, over plain HTTP by the explicit local override ``SHIKHAR_LOCAL_HTTP=1`` (refused in Lambda and
without the emulator)."""

from __future__ import annotations

import os

from backoffice.settings import runtime
from marketplace.config import settings as platform
from marketplace.deployment import Env, allowed_hosts, in_lambda

# Parameters must be in the environment before base reads the platform settings (CSP origins).
runtime.start()

from backoffice.settings.base import *

SECRET_KEY = runtime.secret_key()
DEBUG = False
STATIC_HOST = os.environ.get(Env.STATIC_HOST, "")  # the CloudFront domain, which also serves the pages

# Plain HTTP only on the emulator, only when asked for, never in Lambda.
LOCAL_HTTP = os.environ.get(Env.LOCAL_HTTP) == "1" and platform().is_emulated and not in_lambda()
SCHEME = "http" if LOCAL_HTTP else "https"

# CloudFront sends API Gateway its own Host (ALL_VIEWER_EXCEPT_HOST_HEADER); the edge's viewer-request
# function passes the viewer's in X-Forwarded-Host (deployment.FORWARDED_HOST_HEADER), and only the
# CloudFront domain (and any custom domain) is allowed.
USE_X_FORWARDED_HOST = True
_HOSTS = allowed_hosts(cloudfront_domain=STATIC_HOST, extra=os.environ.get(Env.BACKOFFICE_HOSTS, ""))
ALLOWED_HOSTS = [host.rsplit(":", 1)[0] for host in _HOSTS]  # Django compares host names without the port
CSRF_TRUSTED_ORIGINS = [f"{SCHEME}://{host}" for host in _HOSTS]

# API Gateway terminates TLS and says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = not LOCAL_HTTP
SECURE_HSTS_SECONDS = 0 if LOCAL_HTTP else 365 * 24 * 60 * 60
SECURE_HSTS_INCLUDE_SUBDOMAINS = not LOCAL_HTTP
# Preloading is a commitment for the whole registered domain, taken by its owners, not by one app.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_SECURE = not LOCAL_HTTP
CSRF_COOKIE_SECURE = not LOCAL_HTTP
# __Host- cookies: HTTPS only, this host only, path /.
SESSION_COOKIE_NAME = "session" if LOCAL_HTTP else "__Host-session"
CSRF_COOKIE_NAME = "csrftoken" if LOCAL_HTTP else "__Host-csrftoken"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},  # the back office stores no files
    "staticfiles": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get(Env.STATIC_BUCKET, ""),
            "location": "static",
            "custom_domain": STATIC_HOST or None,
            "url_protocol": f"{SCHEME}:",
            "querystring_auth": False,
            "region_name": os.environ.get("AWS_REGION", "ap-south-1"),
            "file_overwrite": True,
        },
    },
}
