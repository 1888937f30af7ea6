"""Settings shared by every environment. No relational database: the domain data, and the sessions,
live in the DynamoDB table through ``marketplace``."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from marketplace.config import settings as platform
from marketplace.deployment import Env, site_csp
from marketplace.formatting import KATHMANDU

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# Local and test runs get a fresh random key per process; production reads it from Secrets Manager.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(64)
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get(Env.BACKOFFICE_HOSTS, "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "backoffice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "backoffice.middleware.correlation",
    "backoffice.middleware.request_size",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "backoffice.middleware.actor",
    "backoffice.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "backoffice.urls"
WSGI_APPLICATION = "backoffice.wsgi.application"

TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.template.context_processors.csrf",
        "django.contrib.messages.context_processors.messages",
        "backoffice.context.navigation",
    ]},
}]

DATABASES: dict = {}

# Sessions live server-side in the table: revocable (sign-out, role change) and expiring by TTL.
# Proxies in front of the back office that append to X-Forwarded-For (CloudFront: 1), so sign-in limits
# count the visitor's address, not the proxy's. 0: REMOTE_ADDR is the visitor.
SHIKHAR_PROXY_HOPS = int(os.environ.get(Env.PROXY_HOPS, "0"))

# How often a session checks the person against Cognito (roles, disabled, email and name changed
# outside the back office). Sessions end within this long of a role being removed anywhere.
SHIKHAR_SESSION_RECHECK_SECONDS = int(os.environ.get(Env.SESSION_RECHECK_SECONDS, "300"))

SESSION_ENGINE = "backoffice.sessions"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LANGUAGE_CODE = "en"
TIME_ZONE = KATHMANDU.key  # the one Kathmandu zone of the formatting layer
USE_I18N = False
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
# Nepali grouping (3,50,00,000) for any number a template prints: English formats with it, since the
# locale's formats take precedence over a NUMBER_GROUPING setting.
FORMAT_MODULE_PATH = ["backoffice.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"


# The one policy the edge also sends (marketplace.deployment): no inline scripts or styles anywhere (every
# script and stylesheet is a self-hosted static file); uploads by presigned POST to the raw bucket.
_platform = platform()
SECURE_CSP = site_csp(raw_bucket=_platform.raw_bucket, documents_bucket=_platform.documents_bucket,
                      region=_platform.region, endpoint_url=_platform.endpoint_url,
                      media_urls=(_platform.public_media_base_url, _platform.endpoint_url))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get(Env.LOG_LEVEL, "WARNING")},
}
