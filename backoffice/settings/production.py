"""AWS Lambda behind API Gateway (Zappa). Resource names come from Parameter Store, the signing key
from Secrets Manager; static files from S3 behind CloudFront (the same site, no third-party CDN)."""

from __future__ import annotations

import os

from backoffice.settings import runtime

# Parameters must be in the environment before base reads the platform settings (CSP origins).
runtime.load_parameters()

from backoffice.settings.base import *

SECRET_KEY = runtime.secret_key()
DEBUG = False
STATIC_HOST = os.environ.get("SHIKHAR_STATIC_HOST", "")  # the CloudFront domain, which also serves the pages
ALLOWED_HOSTS = [h for h in os.environ.get("SHIKHAR_BACKOFFICE_HOSTS", STATIC_HOST).split(",") if h]
CSRF_TRUSTED_ORIGINS = [f"https://{host}" for host in ALLOWED_HOSTS]

# API Gateway terminates TLS and says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Preloading is a commitment for the whole registered domain, taken by its owners, not by one app.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# __Host- cookies: HTTPS only, this host only, path /.
SESSION_COOKIE_NAME = "__Host-session"
CSRF_COOKIE_NAME = "__Host-csrftoken"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},  # the back office stores no files
    "staticfiles": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("SHIKHAR_STATIC_BUCKET", ""),
            "location": "static",
            "custom_domain": STATIC_HOST or None,
            "querystring_auth": False,
            "region_name": os.environ.get("AWS_REGION", "ap-south-1"),
            "file_overwrite": True,
        },
    },
}
