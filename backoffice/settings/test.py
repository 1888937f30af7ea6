"""Tests: local settings, never debug (errors must render as users see them)."""

from __future__ import annotations

from backoffice.settings.local import *

DEBUG = False
WHITENOISE_AUTOREFRESH = True  # serve files from the finders without collectstatic
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
