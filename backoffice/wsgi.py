"""The WSGI application (Zappa in AWS, runserver locally)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings.local")

application = get_wsgi_application()
