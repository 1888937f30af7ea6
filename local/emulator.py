"""The local AWS: moto in server mode on 127.0.0.1, spoken to over real HTTP by boto3 and PynamoDB.

Where moto differs from DynamoDB: moto's server handles requests on parallel threads with no lock
around a DynamoDB call, so a conditional write checks its condition and writes in two steps another
thread can run between (two writers can both pass ``version = :seen``), and a TransactWriteItems
applies its items one by one and puts the earlier ones back when a later one fails (a concurrent
reader can see a write that never commits, and the put-back can undo another writer's committed
write). DynamoDB applies each of these atomically and isolated. So the emulator runs one DynamoDB
request at a time (``SerialDynamoDB``); every other service keeps moto's threads.
"""

from __future__ import annotations

import copy
import copyreg
import logging
import os
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass

DEFAULT_PORT = 4566

# Credentials the emulator accepts; never real ones.
EMULATOR_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "ap-south-1",
    "AWS_REGION": "ap-south-1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class SerialDynamoDB:
    """WSGI wrapper: DynamoDB and DynamoDB Streams requests (told apart by ``X-Amz-Target``) run one at
    a time, reads included, because DynamoDB isolates GetItem/TransactGetItems from a transaction and
    a stream reader never sees a transaction that failed. One lock for all tables: a transaction can
    span tables, and moto's handlers hold the GIL anyway, so little parallelism is lost."""

    def __init__(self, app: Callable) -> None:
        self.app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            return self.app(environ, start_response)
        with self._lock:
            return list(self.app(environ, start_response))  # the whole response, before the next request


@dataclass
class Snapshot:
    services: list  # moto's BackendDict of each service in use
    entries: list[tuple]  # (BackendDict, account, its regions' dict, region, backend): the live objects
    state: tuple[list[dict], list[dict]]  # each service's own attributes and each backend's, deep-copied


def _copied(state: tuple[list[dict], list[dict]], entries: list[tuple]) -> tuple[list[dict], list[dict]]:
    """A deep copy in which moto's own containers and backends stay the live ones (a model may point at
    its backend) and locks are new."""
    memo = {id(part): part for entry in entries for part in (entry[0], entry[2], entry[4])}
    return copy.deepcopy(state, memo)


def _copyable_locks() -> None:
    """A copied lock or condition is a new one (nothing waits on a snapshot)."""
    for lock in (threading.Lock, threading.RLock):
        copyreg.pickle(type(lock()), lambda _held, lock=lock: (lock, ()))
    copyreg.pickle(threading.Condition, lambda _held: (threading.Condition, ()))
    from moto.ssm.models import ParameterDict  # a defaultdict whose constructor takes other arguments

    copyreg.pickle(ParameterDict, lambda held: (ParameterDict, (held.account_id, held.region_name),
                                                held.__dict__, None, iter(held.items())))


@dataclass
class Emulator:
    port: int
    _server: object | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Emulator:
        # heavy: only where the emulator runs
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        from local import emulator_patches

        emulator_patches.apply()
        _copyable_locks()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns real output
        if port_in_use(self.port):
            raise SystemExit(f"port {self.port} is already in use: stop what holds it "
                             f"(`lsof -i :{self.port}`) or set SHIKHAR_EMULATOR_PORT")
        # Real TOTP checks in the emulator, so MFA flows are tested for real.
        os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
        # moto's ThreadedMotoServer, with its app wrapped in SerialDynamoDB.
        app = SerialDynamoDB(DomainDispatcherApplication(create_backend_app))
        self._server = make_server("127.0.0.1", self.port, app, threaded=True, request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="aws-emulator", daemon=True)
        self._thread.start()
        self.wait_ready()
        self.configure()
        return self

    def wait_ready(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"the AWS emulator did not start on {self.url}")

    def configure(self) -> None:
        """Let Step Functions really execute state machines (off by default in moto)."""
        self._post("/moto-api/config", b'{"stepfunctions": {"execute_state_machine": true}}')

    def reset(self) -> None:
        self._post("/moto-api/reset", b"")
        self.configure()

    def _post(self, path: str, body: bytes) -> None:
        request = urllib.request.Request(f"{self.url}{path}", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).read()

    def snapshot(self) -> Snapshot:
        """Everything the emulator holds now, to go back to with ``restore`` (in this process only: the
        suite provisions once per process, then starts each test from this copy instead of a reset and
        ~100 provisioning calls)."""
        from moto.core.base_backend import BackendDict
        from moto.core.model_instances import model_data

        entries = [(backends, account, by_region, region, backend)
                   for backends in BackendDict._instances
                   for account, by_region in backends.items()
                   for region, backend in by_region.items()]
        services = list(BackendDict._instances)
        tracked = [model for models in model_data.values() for model in models.values()]
        counts = [len(model.instances_tracked) for model in tracked]
        # A service's own registry beside its backends (S3's bucket name -> account) is saved with them.
        state = _copied(([vars(backends) for backends in services], [entry[-1].__dict__ for entry in entries]),
                        entries)
        # moto tracks every model it makes, copies too; the snapshot's own are never released by a restore.
        for model, count in zip(tracked, counts, strict=True):
            del model.instances_tracked[count:]
        return Snapshot(services=services, entries=entries, state=state)

    def restore(self, snapshot: Snapshot) -> None:
        """Back to ``snapshot``: what was made since is dropped as moto's reset drops it, and each backend
        of the snapshot gets a fresh copy of its saved state (the copy is never shared with the snapshot)."""
        from moto.core.base_backend import BackendDict, backend_lock
        from moto.core.model_instances import reset_model_data
        from moto.s3.models import FakeKey, FakeMultipart

        kept = {id(entry[-1]) for entry in snapshot.entries}
        with backend_lock:
            # What moto's S3 reset releases: each object's buffer (a temporary file past 1 MB) made since.
            for made in (*FakeMultipart.instances_tracked, *FakeKey.instances_tracked):
                made.dispose()
            for backends in BackendDict._instances:
                for by_region in backends.values():
                    for backend in by_region.values():
                        if id(backend) not in kept:
                            backend.reset()
                    by_region.clear()
                backends.clear()
            BackendDict._instances.clear()
            reset_model_data()
            registries, attributes_of = _copied(snapshot.state, snapshot.entries)
            for backends, registry in zip(snapshot.services, registries, strict=True):
                backends.__dict__.update(registry)
                BackendDict._instances.append(backends)
            for (backends, account, by_region, region, backend), attributes in zip(
                    snapshot.entries, attributes_of, strict=True):
                dict.__setitem__(backends, account, by_region)
                dict.__setitem__(by_region, region, backend)
                backend.__dict__ = attributes

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = self._thread = None

    def environment(self) -> dict[str, str]:
        """What a process needs in its environment to use this emulator."""
        return {**EMULATOR_ENV, "AWS_ENDPOINT_URL": self.url}
