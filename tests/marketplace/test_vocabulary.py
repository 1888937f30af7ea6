"""Statuses, tiers, media kinds and media states are spelled once, as enums (``marketplace.lifecycle``,
``marketplace.entitlements``, ``marketplace.media_kinds``): selectors and views, the back office's
templates and its scripts name them through the enums, the models' properties or what the server
renders, never as string literals that would silently stop matching when a value changes. (Key
prefixes: ``test_key_design``.)"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from marketplace.entitlements import Tier
from marketplace.lifecycle import Status
from marketplace.media_kinds import MediaKind, MediaState

ROOT = Path(__file__).resolve().parents[2]
VOCABULARY = {member.value for enum in (Status, Tier, MediaKind, MediaState) for member in enum}
READERS = ("marketplace/selectors/*.py", "backoffice/views/*.py", "public_api/routers/*.py")
# Where a literal is a value the code decides on (compared, passed, returned, assigned, defaulted); a dict
# key, a subscript or a positional argument names a field or a column, not a value.
DECIDING = (ast.Compare, ast.keyword, ast.BoolOp, ast.IfExp, ast.Return, ast.Assign, ast.AnnAssign,
            ast.arguments, ast.Set, ast.Tuple, ast.List)
QUOTED = re.compile(r"""(==|!=|===|!==|\bin)\s*["'](\w+)["']|["'](\w+)["']\s*(==|!=|===|!==)""")


def vocabulary_literals(source: str) -> list[tuple[int, str]]:
    """String literals of the vocabulary where code decides on a value (see ``DECIDING``)."""
    tree = ast.parse(source)
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in VOCABULARY
            and isinstance(parents.get(id(node)), DECIDING)]


def quoted_comparisons(text: str) -> list[str]:
    """Template and script comparisons with a quoted word of the vocabulary (``m.state == "ready"``)."""
    return [word for match in QUOTED.finditer(text) for word in (match[2], match[3]) if word in VOCABULARY]


@pytest.mark.parametrize("source", ['if media.state == "ready": pass', 'x = {"failed", "processing"}',
                                    'f(status="active")', 'status = data.get("status") or "active"',
                                    'def f(tier="free"): pass', 'return kind in ("photo", "drone")'])
def test_a_literal_of_the_vocabulary_is_found(source):
    assert vocabulary_literals(source)


@pytest.mark.parametrize("source", ['data["premium"]', '{"premium": True}', 'body.get("premium")',
                                    'Column("rejected", "Rejected")', 'if media.ready: pass',
                                    'f(status=Status.ACTIVE)'])
def test_a_field_name_or_an_enum_is_not_found(source):
    assert not vocabulary_literals(source)


def test_template_and_script_comparisons_are_found():
    assert quoted_comparisons('{% if m.state == "ready" %}') == ["ready"]
    assert quoted_comparisons('items.some((m) => m.state === "processing")') == ["processing"]
    assert quoted_comparisons('{% if m.ready %}<span class="ready">') == []


def test_selectors_and_views_spell_no_status_tier_kind_or_media_state():
    spelled = {str(path.relative_to(ROOT)): literals for pattern in READERS for path in sorted(ROOT.glob(pattern))
               if (literals := vocabulary_literals(path.read_text()))}
    assert spelled == {}


def test_templates_and_scripts_compare_no_status_tier_kind_or_media_state():
    files = [*ROOT.glob("backoffice/templates/**/*.html"), *ROOT.glob("backoffice/static/**/*.js")]
    spelled = {str(path.relative_to(ROOT)): words for path in sorted(files)
               if (words := quoted_comparisons(path.read_text()))}
    assert spelled == {}
