"""The admin reports page (``/admin/reports/``) on the demo data, before and after the daily figures.

Seeds the demo (60 listings, 21 days of views, photos skipped) into a fresh emulator, rebuilds the daily
report figures, then serves the page for 90 and 365 days from two long-lived processes: one running the
tree before the reports read daily figures (``--before``, a git revision checked out as a worktree) and
one running this tree. Each request is the view called with an admin actor (Django's RequestFactory:
no sign-in, no middleware), rendered in full; DynamoDB calls are counted through botocore's
``before-call`` event. Rounds interleave the two trees (alternating which goes first); medians of the
rounds, and the ratio after / before measured in the same run.

    .venv/bin/python bench/bench_reports.py [--before REV] [--rounds 9]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from local.emulator import EMULATOR_ENV, Emulator, free_port

DAYS = (90, 365)
# The commit whose parent is the "before" tree: the first that read the reports from daily figures.
CHANGE = "Reports from daily figures"

CHILD = r"""
import json, os, sys, time
os.environ["DJANGO_SETTINGS_MODULE"] = "backoffice.settings.test"
import botocore.session
calls = []
_create = botocore.session.Session.create_client
def _counting(self, service, *args, **kwargs):
    made = _create(self, service, *args, **kwargs)
    if service == "dynamodb":
        made.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
    return made
botocore.session.Session.create_client = _counting
import django
django.setup()
from django.test import RequestFactory
from backoffice.views.admin import reports_page
from marketplace.actors import Actor, Group
admin = Actor(user_id="bench-admin", email="admin@demo.shikhar.np", groups=frozenset({Group.ADMINS}))
factory = RequestFactory()
print("ready", flush=True)
for line in sys.stdin:
    request = factory.get("/admin/reports/", {"days": line.strip()})
    request.actor, request.session = admin, {}
    calls.clear()
    start = time.perf_counter()
    response = reports_page(request)
    size = len(response.content)
    ms = (time.perf_counter() - start) * 1000
    print(json.dumps({"ms": ms, "calls": len(calls), "status": response.status_code, "bytes": size}), flush=True)
"""


class Tree:
    """A long-lived process serving the reports page from one source tree."""

    def __init__(self, name: str, root: Path, environment: dict):
        self.name = name
        self.process = subprocess.Popen([sys.executable, "-c", CHILD], cwd=root, text=True, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env={**environment, "PYTHONPATH": str(root)})
        assert self.process.stdout.readline().strip() == "ready", f"{name} did not start"

    def page(self, days: int) -> dict:
        self.process.stdin.write(f"{days}\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        assert answer["status"] == 200, (self.name, answer)
        return answer

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def _before_revision(asked: str | None) -> str:
    if asked:
        return asked
    found = subprocess.run(["git", "log", "--format=%H", f"--grep={CHANGE}", "--reverse"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    return f"{found[0]}^"


def _seed(resources) -> None:
    from local import demo
    from marketplace.services import daily_reports

    demo.seed(resources=resources, photos=False)
    # No consumers run here: every figure comes from the table (nothing can be counted twice).
    daily_reports.rebuild()


def measure(trees: list[Tree], rounds: int) -> dict:
    for tree in trees:  # warm: imports, templates, connections
        for days in DAYS:
            tree.page(days)
    samples = {(t.name, d): [] for t in trees for d in DAYS}
    for n in range(rounds):
        order = trees if n % 2 == 0 else list(reversed(trees))
        for days in DAYS:
            for tree in order:
                samples[(tree.name, days)].append(tree.page(days))
    return {key: {"ms": statistics.median(s["ms"] for s in found), "calls": statistics.median(s["calls"] for s in found)}
            for key, found in samples.items()}


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    arguments.add_argument("--before", help="git revision of the tree to compare with (default: before the change)")
    arguments.add_argument("--rounds", type=int, default=9)
    args = arguments.parse_args()

    port = free_port()
    os.environ.update(EMULATOR_ENV)
    os.environ.update({"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "SHIKHAR_PREFIX": "shikhar-bench"})
    emulator = Emulator(port=port).start()
    worktree = Path(tempfile.mkdtemp(prefix="shikhar-before-"))
    revision = _before_revision(args.before)
    subprocess.run(["git", "worktree", "add", "--detach", str(worktree), revision], cwd=ROOT, check=True,
                   capture_output=True)
    trees: list[Tree] = []
    try:
        from local.provision import provision

        resources = provision()
        os.environ.update(resources.environment())
        _seed(resources)
        environment = {**os.environ, "POWERTOOLS_LOG_LEVEL": "ERROR"}
        trees = [Tree("before", worktree, environment), Tree("after", ROOT, environment)]
        results = measure(trees, args.rounds)
    finally:
        for tree in trees:
            tree.close()
        emulator.stop()
        subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, check=False)

    print(f"before = {revision}; {args.rounds} interleaved rounds, medians; demo data (60 listings, 21 days of views)")
    print(f"{'days':>5} {'before ms':>10} {'after ms':>9} {'after/before':>13} {'calls before':>13} {'calls after':>12}")
    for days in DAYS:
        before, after = results[("before", days)], results[("after", days)]
        print(f"{days:>5} {before['ms']:>10.0f} {after['ms']:>9.0f} {after['ms'] / before['ms']:>13.3f} "
              f"{before['calls']:>13.0f} {after['calls']:>12.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
