import subprocess
import sys


def test_the_domain_imports_neither_django_nor_heavy_libraries():
    code = ("import sys, marketplace.services.listings, marketplace.services.engagement, "
            "marketplace.services.people, marketplace.selectors.listings, marketplace.outbox, marketplace.units, marketplace.tokens; "
            "heavy = [m for m in ('django', 'PIL', 'moto', 'pydantic', 'jwt', 'aws_cdk') if m in sys.modules]; "
            "print(heavy)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
