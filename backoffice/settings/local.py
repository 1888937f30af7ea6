"""``make run``: the back office on http://127.0.0.1:8000 (``SHIKHAR_BACKOFFICE_PORT``) against the local emulator."""

from __future__ import annotations

import os

from backoffice.settings.base import *
from backoffice.settings.base import MIDDLEWARE
from marketplace.deployment import Env

DEBUG = os.environ.get(Env.DEBUG, "1") == "1"

# Static files straight from the apps' folders through WhiteNoise (no collectstatic locally).
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
