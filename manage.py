#!/usr/bin/env python
"""Django's command line for the back office (``backoffice.settings.local`` unless told otherwise)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
