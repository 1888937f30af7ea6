"""Index keys of items written before their access pattern existed: buyers' requests for documents (gsi3
split into the waiting and the decided range) and orders (gsi3 ``PAYMENTS#ALL``, the admins' list of
orders). Every write since derives them (``derive_keys``); this brings the older items along, once.

``python -m ops migrate index-keys [--apply]``: one Scan of the table (a one-off, filtered to these
entities), then one UpdateItem per item whose keys differ, conditioned on the version it read; the version
is not moved (a page showing the item stays current). An item changed meanwhile wrote its own keys.
"""

from __future__ import annotations

from pynamodb.exceptions import UpdateError

from marketplace.models import DocumentAccess, PaymentOrder

MIGRATED = (DocumentAccess, PaymentOrder)


def index_keys_migrate(*, apply: bool) -> int:
    """Write (``apply``) or count the gsi3 keys that differ from what the item derives now."""
    count = 0
    for model in MIGRATED:
        for item in model.scan():
            stored = (item.gsi3pk, item.gsi3sk)
            item.derive_keys()
            if (item.gsi3pk, item.gsi3sk) == stored:
                continue
            count += 1 if not apply else _write(model, item)
    return count


def _write(model, item) -> int:
    try:
        model._get_connection().update_item(
            item.pk, item.sk, actions=[model.gsi3pk.set(item.gsi3pk), model.gsi3sk.set(item.gsi3sk)],
            condition=model.version == item.version)
    except UpdateError:
        return 0
    return 1
