"""Django's English formats with Nepali digit grouping (3,50,00,000): the locale's own formats win over
settings, so ``NUMBER_GROUPING`` must be set here for numbers a template prints as they are. The back
office's filters (``backoffice.templatetags.shikhar``) format money, land and dates explicitly."""

NUMBER_GROUPING = (3, 2, 0)
THOUSAND_SEPARATOR = ","
DECIMAL_SEPARATOR = "."
