import ast
import subprocess
import sys
from pathlib import Path

import marketplace


def test_the_domain_imports_neither_django_nor_heavy_libraries():
    code = ("import sys, marketplace.services.listings, marketplace.services.engagement, "
            "marketplace.services.people, marketplace.selectors.listings, marketplace.outbox, marketplace.units, marketplace.tokens; "
            "heavy = [m for m in ('django', 'PIL', 'moto', 'pydantic', 'jwt', 'aws_cdk') if m in sys.modules]; "
            "print(heavy)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# The domain is shared by everything else; nothing of the project builds below it, and Django stays in the
# back office. What the domain needs from above is given to it (e.g. the search index writer's cards).
ABOVE_THE_DOMAIN = {"public_api", "backoffice", "media_pipeline", "ops", "local", "infra", "bench", "tests",
                    "django"}


def _imported(tree: ast.Module) -> set[str]:
    """Top-level packages a module names in imports (``import_module("x.y")`` with a literal too)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in
              ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant)):
            names.add(str(node.args[0].value))
    return {name.split(".")[0] for name in names}


def test_no_module_of_the_domain_imports_the_api_the_back_office_or_django():
    # given every module of the marketplace package, read as source (so imports inside functions count too)
    package = Path(marketplace.__file__).parent
    modules = sorted(package.rglob("*.py"))
    assert package / "search_index" / "writer.py" in modules

    # when their imports are collected
    found = {str(path.relative_to(package.parent)): sorted(_imported(ast.parse(path.read_text())) & ABOVE_THE_DOMAIN)
             for path in modules}

    # then none names a package built on the domain, nor Django
    assert {path: names for path, names in found.items() if names} == {}
