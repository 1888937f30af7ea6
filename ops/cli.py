"""``python -m ops``: disaster-recovery and operations commands. The same against the emulator
(``AWS_ENDPOINT_URL`` set, e.g. from ``.local/env.json`` of ``make run``) and against AWS (credentials
of the stage's account). Never imports Django. Every command that changes something has a dry run.

    python -m ops pitr status
    python -m ops restore-drill --to 2026-11-28T10:00:00Z [--keep]
    python -m ops export [--bucket B] [--dry-run]        python -m ops export verify --manifest KEY
    python -m ops s3-recover --bucket B --since 2026-11-28T10:00:00Z [--apply]
    python -m ops failover --to ap-south-2 [--apply]
    python -m ops synthetic --api URL --username U [--password P | --secret-arn ARN]
    python -m ops cost estimate --scenario dev|launch|growth
    python -m ops reports rebuild [--dry-run]      python -m ops reports owners-backfill [--dry-run]
    python -m ops credential-compromise --user SUB | --access-key ID | --secret NAME [--reason R] [--apply]
    python -m ops search-index status               python -m ops search-index rebuild [--apply]
    python -m ops duplicates backfill [--apply]
    python -m ops search-keys backfill [--apply]
    python -m ops migrate media-review [--apply]  python -m ops migrate suppressions [--apply]
    python -m ops migrate index-keys [--apply]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from marketplace.config import reload_settings, settings
from marketplace.deployment import Env

EXIT_FAILED = 1
EXIT_USAGE = 2


def moment(text: str) -> datetime:
    """An ISO 8601 moment; without a zone it is UTC."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r} (e.g. 2026-11-28T10:00:00Z)") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _load_local_environment() -> None:
    """Use ``make run``'s platform when no endpoint is configured and .local/env.json exists."""
    state = Path(".local/env.json")
    if not os.environ.get("AWS_ENDPOINT_URL") and os.environ.get(Env.USE_LOCAL, "1") == "1" and state.exists():
        for key, value in json.loads(state.read_text()).items():
            os.environ.setdefault(key, value)
        reload_settings()


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m ops", description=__doc__.split("\n\n")[0])
    commands = root.add_subparsers(dest="command", required=True)

    pitr = commands.add_parser("pitr", help="point-in-time recovery").add_subparsers(dest="action", required=True)
    status = pitr.add_parser("status", help="PITR on? earliest and latest restorable time")
    status.add_argument("--table", help="default: the configured table")

    drill = commands.add_parser("restore-drill", help="restore to a new table at a time, verify, report RTO")
    drill.add_argument("--to", required=True, type=moment, help="restore moment (ISO 8601, UTC if no zone)")
    drill.add_argument("--table", help="source table (default: the configured table)")
    drill.add_argument("--target", help="name of the restored table (default: <table>-restored-<time>)")
    drill.add_argument("--keep", action="store_true", help="keep the restored table (a real recovery)")
    drill.add_argument("--kms-key", help="KMS key ARN for the restored table (AWS: the stage's data key)")
    drill.add_argument("--dry-run", action="store_true", help="say what would be restored; change nothing")

    export = commands.add_parser("export", help="export the table to S3 + Parquet + manifest; 'verify' checks one")
    export.add_argument("action", nargs="?", choices=["run", "verify"], default="run")
    export.add_argument("--table", help="default: the configured table")
    export.add_argument("--bucket", default=os.environ.get(Env.EXPORT_BUCKET),
                        help="destination bucket (default: SHIKHAR_EXPORT_BUCKET)")
    export.add_argument("--prefix", default=f"exports/{datetime.now(UTC):%Y/%m/%d}")
    export.add_argument("--manifest", help="verify: the manifest's key in the bucket")
    export.add_argument("--dry-run", action="store_true", help="say what would be exported; write nothing")

    recover = commands.add_parser("s3-recover", help="remove delete markers placed since a time (dry run first)")
    recover.add_argument("--bucket", required=True)
    recover.add_argument("--since", required=True, type=moment)
    recover.add_argument("--apply", action="store_true", help="really remove them (default: dry run)")

    failover = commands.add_parser("failover", help="region outage (DR option 2): check the DR region, then switch")
    failover.add_argument("--to", required=True, help="the DR region (e.g. ap-south-2)")
    failover.add_argument("--apply", action="store_true",
                          help="point the stage's configuration in the DR region at its copies (default: dry run)")
    failover.add_argument("--sample", type=int, default=100, help="objects of each bucket checked in its copy")

    synthetic = commands.add_parser("synthetic", help="the canary's journey against any environment")
    synthetic.add_argument("--api", required=True, help="public API base URL (…/api behind CloudFront)")
    synthetic.add_argument("--username", default="premium@demo.shikhar.np")
    synthetic.add_argument("--password", default=os.environ.get(Env.SYNTHETIC_PASSWORD))
    synthetic.add_argument("--secret-arn", help="read username and password from this secret instead")
    synthetic.add_argument("--client-id", default=None, help="app client (default: SHIKHAR_USER_POOL_CLIENT_ID)")
    synthetic.add_argument("--listing", help="open this listing instead of the first premium one found")

    compromise = commands.add_parser("credential-compromise",
                                     help="sign out and disable a person, deactivate a key, rotate a secret "
                                          "(dry run first)")
    compromise.add_argument("--user", help="the person's Cognito sub")
    compromise.add_argument("--access-key", help="an IAM access key id")
    compromise.add_argument("--secret", help="a Secrets Manager secret's name or ARN")
    compromise.add_argument("--reason", default="credential compromise", help="recorded in the audit log")
    compromise.add_argument("--apply", action="store_true", help="really do it (default: dry run)")

    search = commands.add_parser("search-index", help="the search index: its state; a rebuild from the table")
    search_actions = search.add_subparsers(dest="action", required=True)
    search_actions.add_parser("status", help="the published version, its size, whether it loads")
    rebuild = search_actions.add_parser("rebuild", help="build from the table and publish (dry run first)")
    rebuild.add_argument("--apply", action="store_true", help="really publish (default: dry run)")

    duplicates = commands.add_parser("duplicates", help="duplicate detection's fingerprints").add_subparsers(
        dest="action", required=True)
    backfill = duplicates.add_parser("backfill", help="write the fingerprint of every listing past its draft")
    backfill.add_argument("--apply", action="store_true", help="really write (default: dry run)")

    keys = commands.add_parser("search-keys", help="the back office's search keys (titles, names)").add_subparsers(
        dest="action", required=True)
    keys_backfill = keys.add_parser("backfill", help="write the search key of every listing and person lacking it")
    keys_backfill.add_argument("--apply", action="store_true", help="really write (default: dry run)")

    migrate = commands.add_parser("migrate", help="bring stored items to the model's current shape").add_subparsers(
        dest="action", required=True)
    media_review = migrate.add_parser("media-review", help="media reviewed in place (before per-upload versions): "
                                                           "their unreviewed upload moves into 'proposed'")
    media_review.add_argument("--apply", action="store_true", help="really write (default: dry run)")
    suppressions = migrate.add_parser("suppressions", help="e-mail suppressions stored before the admins' list: "
                                                           "their list index keys")
    suppressions.add_argument("--apply", action="store_true", help="really write (default: dry run)")
    index_keys = migrate.add_parser("index-keys", help="document requests and orders written before their "
                                                       "index keys (the broker's requests, the admins' orders)")
    index_keys.add_argument("--apply", action="store_true", help="really write (default: dry run)")

    cost = commands.add_parser("cost", help="cost model").add_subparsers(dest="action", required=True)
    estimate = cost.add_parser("estimate", help="the dossier's monthly cost model, recomputed")
    estimate.add_argument("--scenario", required=True, choices=["dev", "launch", "growth"])

    report = commands.add_parser("reports", help="the back office's daily report figures").add_subparsers(
        dest="action", required=True)
    rebuild = report.add_parser("rebuild", help="recompute every day's figures from the table (drain the "
                                                "daily-reports queue first)")
    rebuild.add_argument("--dry-run", action="store_true", help="count the days it would write, write nothing")
    backfill = report.add_parser("owners-backfill", help="write each broker's and seller's daily views from the "
                                                         "daily views per listing (safe to run again)")
    backfill.add_argument("--dry-run", action="store_true", help="count the items it would write, write nothing")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command != "cost":
        _load_local_environment()
    handler = {"pitr": _pitr, "restore-drill": _restore, "export": _export, "s3-recover": _recover,
               "failover": _failover, "synthetic": _synthetic, "cost": _cost,
               "credential-compromise": _compromise, "reports": _reports,
               "search-index": _search_index, "duplicates": _duplicates, "search-keys": _search_keys,
               "migrate": _migrate}[args.command]
    return handler(args)


def _print(lines: list[str]) -> None:
    print("\n".join(lines), flush=True)


def _pitr(args) -> int:
    from ops.pitr import pitr_status

    status = pitr_status(table=args.table or settings().table_name)
    _print(status.lines())
    return 0 if status.enabled else EXIT_FAILED


def _restore(args) -> int:
    from ops.pitr import pitr_status
    from ops.restore import restore_drill

    table = args.table or settings().table_name
    status = pitr_status(table=table)
    if not status.enabled:
        _print(status.lines())
        return EXIT_FAILED
    # The emulator never advances LatestRestorableDateTime (AWS keeps it ~5 minutes behind now).
    latest = None if settings().is_emulated else status.latest
    if status.earliest and args.to < status.earliest or latest and args.to > latest:
        print(f"--to {args.to.isoformat()} is outside the restorable window "
              f"{status.earliest} .. {status.latest}", file=sys.stderr)
        return EXIT_USAGE
    if args.dry_run:
        print(f"dry run: would restore {table} as it was at {args.to.isoformat()} into "
              f"{args.target or table + '-restored-' + args.to.strftime('%Y%m%d%H%M%S')}, verify it, "
              f"and {'keep' if args.keep else 'delete'} it")
        return 0
    report = restore_drill(source=table, restore_to=args.to, target=args.target, keep=args.keep,
                           kms_key=args.kms_key, poll_seconds=0.5 if settings().is_emulated else 20)
    _print(report.lines())
    return 0 if report.ok else EXIT_FAILED


def _export(args) -> int:
    from ops import export

    if not args.bucket:
        print("--bucket is required (or set SHIKHAR_EXPORT_BUCKET)", file=sys.stderr)
        return EXIT_USAGE
    if args.action == "verify":
        if not args.manifest:
            print("export verify needs --manifest <key>", file=sys.stderr)
            return EXIT_USAGE
        result = export.verify(bucket=args.bucket, manifest_key=args.manifest)
        _print(result.lines())
        return 0 if result.ok else EXIT_FAILED
    table = args.table or settings().table_name
    if args.dry_run:
        print(f"dry run: would export {table} to s3://{args.bucket}/{args.prefix}/ "
              f"(DynamoDB JSON), write parquet/<export-id>/items.parquet and manifests/<export-id>.json")
        return 0
    result = export.export(table=table, bucket=args.bucket, prefix=args.prefix,
                           poll_seconds=0.2 if settings().is_emulated else 10)
    _print(result.lines())
    return 0


def _recover(args) -> int:
    from ops.s3_recover import s3_recover

    recovery = s3_recover(bucket=args.bucket, since=args.since, apply=args.apply)
    _print(recovery.lines())
    return EXIT_FAILED if recovery.errors else 0


def _failover(args) -> int:
    from ops.failover import failover

    try:
        result = failover(to=args.to, apply=args.apply, sample=args.sample)
    except ValueError as error:
        print(str(error), file=sys.stderr)
        return EXIT_USAGE
    _print(result.lines())
    return 0 if result.ready else EXIT_FAILED


def _synthetic(args) -> int:
    from ops.synthetic import Journey, StepFailed, credentials_from_secret

    cfg = settings()
    username, password = args.username, args.password
    if args.secret_arn:
        username, password = credentials_from_secret(args.secret_arn, region=cfg.region,
                                                     endpoint_url=cfg.endpoint_url)
    if not password:
        print("--password, SHIKHAR_SYNTHETIC_PASSWORD or --secret-arn is required", file=sys.stderr)
        return EXIT_USAGE
    client_id = args.client_id or cfg.user_pool_client_id
    journey = Journey(api=args.api, client_id=client_id, username=username, password=password, region=cfg.region,
                      endpoint_url=cfg.endpoint_url, listing_id=args.listing)
    try:
        result = journey.run()
    except StepFailed as failure:
        print(f"FAILED at step '{failure.step}': {failure.reason}", file=sys.stderr)
        return EXIT_FAILED
    print(json.dumps(result, indent=2))
    return 0


def _compromise(args) -> int:
    from botocore.exceptions import ClientError

    from ops.credentials import credential_compromise

    if not (args.user or args.access_key or args.secret):
        print("name what was compromised: --user SUB, --access-key ID and/or --secret NAME", file=sys.stderr)
        return EXIT_USAGE
    try:
        response = credential_compromise(user=args.user, access_key=args.access_key, secret=args.secret,
                                         apply=args.apply, reason=args.reason)
    except ClientError as error:
        print(f"FAILED: {error.response['Error']['Code']}: {error.response['Error']['Message']}", file=sys.stderr)
        return EXIT_FAILED
    _print(response.lines())
    return 0


def _cost(args) -> int:
    from ops.cost import SCENARIOS, load_prices, render

    _print(render(SCENARIOS[args.scenario], load_prices()))
    return 0


def _reports(args) -> int:
    from marketplace.services.daily_reports import owner_views_backfill, rebuild

    if args.action == "owners-backfill":
        count, what = owner_views_backfill(write=not args.dry_run), "broker and seller daily views items"
    else:
        count, what = rebuild(write=not args.dry_run), "daily report items"
    print(f"{'dry run: would write' if args.dry_run else 'wrote'} {count} {what}", flush=True)
    return 0


def _search_index(args) -> int:
    from ops.search_index import index_status, rebuild

    if args.action == "rebuild":
        _print(rebuild(apply=args.apply))
        return 0
    status = index_status()
    _print(status.lines())
    return 0 if status.loadable else EXIT_FAILED


def _duplicates(args) -> int:
    from marketplace.services.duplicates import fingerprints_backfill

    count = fingerprints_backfill(apply=args.apply)
    _print([f"wrote {count} listing fingerprints" if args.apply
            else f"dry run: would write {count} listing fingerprints (add --apply)"])
    return 0


def _migrate(args) -> int:
    if args.action == "suppressions":
        return _suppressions_migrate(args)
    if args.action == "index-keys":
        return _index_keys_migrate(args)
    from marketplace.services.media_migrations import media_review_migrate

    report = media_review_migrate(apply=args.apply)
    verb = "moved" if args.apply else "dry run: would move"
    lines = [f"{verb} {len(report.moved)} media items' unreviewed upload into 'proposed'"
             + ("" if args.apply else " (add --apply)")]
    lines += [f"  {name}" for name in report.moved]
    if report.changed_meanwhile:
        lines.append(f"{len(report.changed_meanwhile)} changed meanwhile (run again): "
                     + ", ".join(report.changed_meanwhile))
    if report.undecided:
        lines.append(f"{len(report.undecided)} left as they are, no audit history to tell their shape "
                     "(see docs/runbooks/media-review-migration.md): " + ", ".join(report.undecided))
    _print(lines)
    return EXIT_FAILED if report.changed_meanwhile else 0


def _index_keys_migrate(args) -> int:
    from marketplace.services.index_keys import index_keys_migrate

    count = index_keys_migrate(apply=args.apply)
    _print([f"wrote the index keys of {count} items" if args.apply
            else f"dry run: would write the index keys of {count} items (add --apply)"])
    return 0


def _suppressions_migrate(args) -> int:
    from marketplace.delivery.suppressions import suppressions_backfill

    count = suppressions_backfill(apply=args.apply)
    _print([f"indexed {count} e-mail suppressions" if args.apply
            else f"dry run: would index {count} e-mail suppressions (add --apply)"])
    return 0


def _search_keys(args) -> int:
    from marketplace.services.search_keys import search_keys_backfill

    count = search_keys_backfill(apply=args.apply)
    _print([f"wrote {count} search keys" if args.apply
            else f"dry run: would write {count} search keys (add --apply)"])
    return 0
