"""Telling people things: e-mail through SES and push through SNS, in their language, on the channels
they chose, never to an address that bounced or complained.

- ``messages``: what each message says (English and Nepali), rendered to plain text and HTML;
- ``email``: sending through SES (raw MIME: both parts, List-Unsubscribe headers), after the
  suppression list;
- ``push``: push through SNS, a topic per buyer app (``BUYER_APPS``);
- ``feedback``: SES bounces and complaints (through SNS) suppress the address;
- ``preferences``: per-person channels and language (``/v1/me``);
- ``recipients``: who a user or broker is, as an address, preferences and a language.
"""

# The languages messages are written in, with their names: the one list (preferences, templates, the
# API's schema, the messages that name them).
LANGUAGE_NAMES = {"en": "English", "ne": "Nepali"}
LANGUAGES = tuple(LANGUAGE_NAMES)
DEFAULT_LANGUAGE = "en"
# The buyer apps, each with its own push topic: the one list (infra's topics, local provisioning, the
# registrations /v1/me accepts), with the names buyers know them by (the messages that name them). A
# new app is a new entry here.
BUYER_APP_NAMES = {"ios": "iOS", "android": "Android", "web": "Web"}
BUYER_APPS = tuple(BUYER_APP_NAMES)
