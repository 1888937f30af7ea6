"""``make run``: the whole platform offline in one terminal; Ctrl-C stops all of it.

Starts the AWS emulator, provisions every resource from the code's declarations, seeds demo data,
starts the workers and the HTTP services, prints URLs and demo logins, then waits.

``SHIKHAR_PROFILE=production-like`` runs the back office as in AWS instead: production settings (DEBUG
off) reading its parameters and secrets from the emulator by their declared names, behind a local
stand-in for CloudFront (``local.edge``: Host header handling and the edge's CSP). Plain HTTP is allowed
by the explicit local override ``SHIKHAR_LOCAL_HTTP=1``, set only here.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from local.emulator import DEFAULT_PORT, Emulator
from local.media_edge import DEFAULT_EDGE_PORT, KEY_GROUP_PARAMETER
from marketplace.deployment import Env, backoffice_port

STATE_DIR = Path(".local")


@dataclass
class Service:
    """An HTTP service started by ``make run``: a command run in a child process with the platform's
    environment, stopped with it."""

    name: str
    port: int
    command: list[str]
    path: str = "/"
    environment: dict[str, str] | None = None  # instead of the platform's, when set
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"


def _port(name: str, default: int) -> int:
    return int(os.environ.get(f"SHIKHAR_{name}_PORT") or default)


# The local platform's ports, each from its SHIKHAR_<NAME>_PORT or derived from the others (the emulator's
# is ``local.emulator``'s, the back office's ``marketplace.deployment.backoffice_port``).
def api_port() -> int:
    """The public API's local gateway (SHIKHAR_API_PORT, default 8001)."""
    return _port("API", DEFAULT_EDGE_PORT)


def payments_port() -> int:
    """The eSewa and Khalti stand-ins: SHIKHAR_PAYMENTS_PORT, else the port after the API's (8002 beside the
    default 8001), so a second platform given its own ports never reaches for the first one's stand-ins."""
    return _port("PAYMENTS", api_port() + 1)


PROFILES = ("local", "production-like")


def profile() -> str:
    chosen = os.environ.get("SHIKHAR_PROFILE") or "local"
    if chosen not in PROFILES:
        raise SystemExit(f"SHIKHAR_PROFILE must be one of {', '.join(PROFILES)}, not {chosen!r}")
    return chosen


def services(*, backoffice_environment: dict[str, str] | None = None,
             api_environment: dict[str, str] | None = None) -> list[Service]:
    """Every HTTP service of the local platform (ports overridable: SHIKHAR_BACKOFFICE_PORT, SHIKHAR_API_PORT;
    the payment stand-ins' follows the API's, ``payments_port``).
    With ``backoffice_environment`` the back office runs with production settings behind the local edge,
    which also serves the public API under /api (the API's own port then refuses requests without the
    edge's origin secret, given in ``api_environment``)."""
    port, gateway = backoffice_port(), api_port()
    api = Service("public API", gateway, [sys.executable, "-m", "local.gateway", "--port", str(gateway)],
                  path="/v1/listings", environment=api_environment)
    if backoffice_environment is None:
        backoffice = Service("back office", port,
                             [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"])
        edge = []
    else:
        backoffice = Service("back office", port, [sys.executable, "-m", "local.edge", "--port", str(port)],
                             environment=backoffice_environment)
        edge = [Service("API via the edge", port, [], path="/api/v1/listings")]
    return [
        backoffice,
        api,
        *edge,
        Service("API docs", gateway, [], path="/docs"),
        # The gateway also serves media as CloudFront does: /media public, /premium signed URLs only.
        Service("media (edge)", gateway, [], path="/media/"),
        # What SES sent (alerts, digests, broker and admin mail), as the emulator captured it.
        Service("sent mail", gateway, [], path="/_mail"),
    ]


def production_like_backoffice(resources) -> dict[str, str]:
    """The back office's environment as Lambda gets it (names only; the resources' own variables removed,
    so they must come from Parameter Store), on the emulator, over plain HTTP."""
    from local.provision import provision_backoffice_stage

    host = f"127.0.0.1:{backoffice_port()}"
    names = provision_backoffice_stage(resources, stage="local", cloudfront_domain=host)
    inherited = {k: v for k, v in os.environ.items() if k not in resources.environment()}
    # The edge serves /media and /premium as the distribution does; it trusts the local signing key.
    edge = {KEY_GROUP_PARAMETER: resources.signing[KEY_GROUP_PARAMETER]} if resources.signing else {}
    return {**inherited, **names, **edge, Env.LOCAL_HTTP: "1",
            "DJANGO_SETTINGS_MODULE": "backoffice.settings.production"}


def production_like(resources, environment: dict[str, str]) -> dict[str, dict[str, str]]:
    """The environments of the production-like profile: the back office's behind the edge, and the API's,
    whose functions then require the edge's origin secret (``public_api.origin``), as in AWS."""
    from local.provision import provision_origin_secret

    origin = {Env.ORIGIN_VERIFY_SECRET: provision_origin_secret(stage="local")}
    return {"backoffice_environment": {**production_like_backoffice(resources), **origin},
            "api_environment": {**os.environ, **environment, **origin}}


def _die_with_parent() -> None:
    """In the child: be sent SIGTERM when ``make run`` dies, even by SIGKILL, so a crash never leaves
    a server holding its port for the next run (Linux's PR_SET_PDEATHSIG)."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1


def _export(environment: dict[str, str]) -> None:
    os.environ.update(environment)
    STATE_DIR.mkdir(exist_ok=True)
    (STATE_DIR / "env.json").write_text(json.dumps(environment, indent=2))


def _start(running: list[Service], environment: dict[str, str]) -> None:
    for service in running:
        if service.command:
            service.process = subprocess.Popen(service.command, env=service.environment or {**os.environ, **environment},
                                               preexec_fn=_die_with_parent if sys.platform == "linux" else None)  # noqa: PLW1509 - only sets the parent-death signal before exec


def _banner(chosen_profile: str, emulator: Emulator, running: list[Service], logins, providers_url: str) -> None:
    print(f"\nShikhar is running offline (profile {chosen_profile}):")
    print(f"  AWS emulator     {emulator.url}")
    print(f"  eSewa, Khalti    {providers_url} (test wallets: eSewa 9806800001 / Nepal@123 / token 123456; "
          "Khalti 9800000001 / MPIN 1111 / OTP 987654)")
    for service in running:
        print(f"  {service.name:<16} {service.url}")
    print("\nDemo logins (local only):")
    for email, role in logins.accounts:
        print(f"  {email:<28} {role}")
    print(f"  password: {logins.password}   (set SHIKHAR_DEMO_PASSWORD to change it)")
    print("\nCtrl-C stops everything.", flush=True)


def _wait(running: list[Service]) -> None:
    """Until Ctrl-C, SIGTERM or a service exiting."""
    finished = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: finished.set())
    try:
        while not finished.wait(1):
            for service in running:
                if service.process and service.process.poll() is not None:
                    print(f"{service.name} exited with {service.process.returncode}; stopping", file=sys.stderr)
                    finished.set()
    except KeyboardInterrupt:
        pass


def _stop(running: list[Service]) -> None:
    for service in running:
        if service.process and service.process.poll() is None:
            service.process.terminate()
    for service in running:
        if service.process:
            try:
                service.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                service.process.kill()


def main() -> int:
    # Ctrl-C must stop everything even when started from a shell that ignores SIGINT for background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # Workers log every step as JSON; keep the terminal readable unless asked (POWERTOOLS_LOG_LEVEL=INFO).
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    chosen_profile = profile()
    port = int(os.environ.get("SHIKHAR_EMULATOR_PORT", DEFAULT_PORT))
    emulator = Emulator(port=port)
    os.environ.update(emulator.environment())
    print(f"Starting the AWS emulator on {emulator.url} ...", flush=True)
    emulator.start()

    # Imported after the environment points at the emulator: models read it at import.
    from local import demo, workers
    from local.provision import provision
    from marketplace.config import reload_settings

    resources = provision()
    # eSewa and Khalti stand-ins (local.payment_providers): the API's payment routes talk to them.
    from local.payment_providers import PaymentProviders
    from local.provision import provision_payments

    providers = PaymentProviders(port=payments_port()).start()
    payments = provision_payments(providers_environment=providers.environment(),
                                  return_url=f"http://127.0.0.1:{api_port()}")
    environment = {**emulator.environment(), **resources.environment(), **payments}
    _export(environment)
    reload_settings()
    print(f"Provisioned table {resources.table}, buckets, user pool {resources.user_pool_id}, "
          f"bus {resources.event_bus}", flush=True)

    stop = threading.Event()
    threads = [threading.Thread(target=w, args=(stop,), name=getattr(w, "__name__", "worker"), daemon=True)
               for w in workers.WORKERS]
    for thread in threads:
        thread.start()

    logins = demo.seed(resources=resources, progress=lambda m: print(m, flush=True))

    running = services(**production_like(resources, environment) if chosen_profile == "production-like" else {})
    _start(running, environment)
    _banner(chosen_profile, emulator, running, logins, providers.url)
    _wait(running)
    print("\nStopping ...", flush=True)
    stop.set()
    _stop(running)
    for thread in threads:
        thread.join(timeout=5)
    providers.stop()
    emulator.stop()
    print("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
