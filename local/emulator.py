"""The local AWS: moto in server mode on 127.0.0.1, spoken to over real HTTP by boto3 and PynamoDB."""

from __future__ import annotations

import logging
import os
import socket
import time
import urllib.request
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


@dataclass
class Emulator:
    port: int
    _server: object | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Emulator:
        from moto.server import ThreadedMotoServer  # heavy: only where the emulator runs

        from local import emulator_patches

        emulator_patches.apply()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns real output
        if port_in_use(self.port):
            raise SystemExit(f"port {self.port} is already in use: stop what holds it "
                             f"(`lsof -i :{self.port}`) or set SHIKHAR_EMULATOR_PORT")
        # Real TOTP checks in the emulator, so MFA flows are tested for real.
        os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
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

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def environment(self) -> dict[str, str]:
        """What a process needs in its environment to use this emulator."""
        return {**EMULATOR_ENV, "AWS_ENDPOINT_URL": self.url}
