"""``make run``: the whole platform offline in one terminal; Ctrl-C stops all of it.

Starts the AWS emulator, provisions every resource from the code's declarations, seeds demo data,
starts the workers and the HTTP services, prints URLs and demo logins, then waits.
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

STATE_DIR = Path(".local")


@dataclass
class Service:
    """An HTTP service started by ``make run``: a command run in a child process with the platform's
    environment, stopped with it."""

    name: str
    port: int
    command: list[str]
    path: str = "/"
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"


def _port(name: str, default: int) -> int:
    return int(os.environ.get(f"SHIKHAR_{name}_PORT", default))


def services() -> list[Service]:
    """Every HTTP service of the local platform (ports overridable: SHIKHAR_BACKOFFICE_PORT, SHIKHAR_API_PORT)."""
    backoffice_port, api_port = _port("BACKOFFICE", 8000), _port("API", 8001)
    return [
        Service("back office", backoffice_port,
                [sys.executable, "manage.py", "runserver", f"127.0.0.1:{backoffice_port}", "--noreload"]),
        Service("public API", api_port, [sys.executable, "-m", "local.gateway", "--port", str(api_port)],
                path="/v1/listings"),
        Service("API docs", api_port, [], path="/docs"),
    ]


def _die_with_parent() -> None:
    """In the child: be sent SIGTERM when ``make run`` dies, even by SIGKILL, so a crash never leaves
    a server holding its port for the next run (Linux's PR_SET_PDEATHSIG)."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1


def _export(environment: dict[str, str]) -> None:
    os.environ.update(environment)
    STATE_DIR.mkdir(exist_ok=True)
    (STATE_DIR / "env.json").write_text(json.dumps(environment, indent=2))


def main() -> int:
    # Ctrl-C must stop everything even when started from a shell that ignores SIGINT for background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # Workers log every step as JSON; keep the terminal readable unless asked (POWERTOOLS_LOG_LEVEL=INFO).
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
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
    environment = {**emulator.environment(), **resources.environment()}
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

    running = services()
    for service in running:
        if service.command:
            service.process = subprocess.Popen(service.command, env={**os.environ, **environment},
                                               preexec_fn=_die_with_parent if sys.platform == "linux" else None)

    print("\nShikhar is running offline:")
    print(f"  AWS emulator     {emulator.url}")
    for service in running:
        print(f"  {service.name:<16} {service.url}")
    print("\nDemo logins (local only):")
    for email, role in logins.accounts:
        print(f"  {email:<28} {role}")
    print(f"  password: {logins.password}   (set SHIKHAR_DEMO_PASSWORD to change it)")
    print("\nCtrl-C stops everything.", flush=True)

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
    print("\nStopping ...", flush=True)
    stop.set()
    for service in running:
        if service.process and service.process.poll() is None:
            service.process.terminate()
    for service in running:
        if service.process:
            try:
                service.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                service.process.kill()
    for thread in threads:
        thread.join(timeout=5)
    emulator.stop()
    print("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
