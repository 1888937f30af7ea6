"""cfn-lint over a synthesized cloud assembly, each template for the region its stack deploys to.

    python -m infra.lint [cdk.out]      # exit status 1 and one line per finding when anything is found
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cfnlint.api import ManualArgs, lint

# CDK declares DependsOn on a function's role and policy although a GetAtt already orders them: harmless
# and not under the app's control.
IGNORED = ["W3005"]


def stack_templates(outdir: Path) -> list[tuple[Path, str]]:
    """(template, region) of every stack in every stage's nested assembly."""
    found = []
    for manifest in sorted(outdir.glob("assembly-*/manifest.json")):
        for artifact in json.loads(manifest.read_text())["artifacts"].values():
            if artifact["type"] == "aws:cloudformation:stack":
                region = artifact["environment"].rsplit("/", 1)[-1]
                found.append((manifest.parent / artifact["properties"]["templateFile"], region))
    return found


def lint_assembly(outdir: Path) -> list[str]:
    findings = []
    for template, region in stack_templates(outdir):
        for match in lint(template.read_text(), config=ManualArgs(regions=[region], ignore_checks=IGNORED)):
            findings.append(f"{template.name} ({region}): {match}")
    return findings


def main(argv: list[str]) -> int:
    outdir = Path(argv[0] if argv else "cdk.out")
    templates = stack_templates(outdir)
    if not templates:
        print(f"no stack templates under {outdir}: run make synth first", file=sys.stderr)
        return 2
    findings = lint_assembly(outdir)
    print("\n".join(findings) or f"cfn-lint: {len(templates)} templates, no findings")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
