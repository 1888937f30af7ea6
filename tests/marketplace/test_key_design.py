"""The key design lives with the entities (``marketplace/models.py``, ``marketplace/table.py``): every
other module reads and writes through their key builders and access-pattern classmethods, and never
spells a key itself."""

from __future__ import annotations

import ast
import inspect
import re
from enum import Enum
from pathlib import Path

import pytest

from marketplace import models
from marketplace.table import Item

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("marketplace", "backoffice", "public_api", "local", "ops", "media_pipeline")
KEY_OWNERS = {ROOT / "marketplace" / "models.py", ROOT / "marketplace" / "table.py"}
PREFIX = re.compile(r"\b[A-Z][A-Z_]{2,}#")  # STATUS#, MKT#, LISTING#, OUTBOX#PENDING, ...


def _entities() -> list[type[Item]]:
    return [c for c in vars(models).values() if inspect.isclass(c) and issubclass(c, Item) and c is not Item]


def _key_of(entity: type[Item]) -> tuple[str, ...]:
    """The entity's key for ids that are all ``the-id`` (an enum argument takes its first member)."""
    hints = inspect.get_annotations(entity.key, eval_str=True)
    arguments = [next(iter(hints[name])) if isinstance(hints.get(name), type) and issubclass(hints[name], Enum)
                 else "the-id" for name in inspect.signature(entity.key).parameters]
    return entity.key(*arguments)


def _fixed_keys() -> set[str]:
    """The keys that carry no id: collections such as ``USERS`` or ``FEED`` (the entities' upper-case
    constants) and sort keys such as ``PROFILE`` or ``METADATA`` (what ``key()`` gives whatever the ids)."""
    fixed = set()
    for entity in _entities():
        fixed |= {value for name, value in vars(entity).items() if name.isupper() and isinstance(value, str)}
        if "key" in vars(entity):
            fixed |= {part for part in _key_of(entity) if "the-id" not in part}
    return {key for key in fixed if not PREFIX.fullmatch(key)}


FIXED_KEYS = _fixed_keys()


def key_literals(source: str) -> list[tuple[int, str]]:
    """Every string literal (f-strings' literal parts included) that spells a key prefix or a fixed key.
    Docstrings and comments may speak of keys: they are not read."""
    tree = ast.parse(source)
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    literals = (node for node in ast.walk(tree)
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings)
    return [(node.lineno, node.value) for node in literals if PREFIX.search(node.value) or node.value in FIXED_KEYS]


def _modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py") if p not in KEY_OWNERS)


def test_the_fixed_keys_are_found_from_the_entities():
    assert {"USERS", "FEED", "PREMIUM", "PROFILE", "METADATA", "SUBSCRIPTION"} <= FIXED_KEYS


@pytest.mark.parametrize("source", ['Listing.collection_index.query(f"STATUS#{status}")', 'query("MEDIA#due")',
                                    'query("BROKERS")', 'Item.sk.between("PROFILE", "SUBSCRIPTION")',
                                    'ProcessedEvent(pk=f"PROCESSED#{consumer}", sk=event_id)'])
def test_a_spelled_key_is_found(source):
    assert key_literals(source)


@pytest.mark.parametrize("source", ['Listing.by_status(status)', 'f"#{colour}"', '"Pending review"',
                                    'logger.info("USERS changed")'])
def test_what_is_not_a_key_is_not_found(source):
    assert not key_literals(source)


def test_no_module_outside_the_entities_spells_a_key():
    spelled = {str(path.relative_to(ROOT)): literals for path in _modules()
               if (literals := key_literals(path.read_text()))}
    assert spelled == {}
