"""``make run`` as a person uses it: it comes up with demo data, serves its URLs, and Ctrl-C stops
everything, leaving no port held."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from local import run
from local.emulator import free_port, port_in_use

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.xdist_group("run")


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _free_pair() -> int:
    """A free port whose next one is free too (the API's and, derived from it, the payment stand-ins'):
    both bindable, not only unanswered (an outgoing connection may hold a port nobody listens on)."""
    while True:
        port = free_port()
        try:
            with socket.socket() as first, socket.socket() as second:
                first.bind(("127.0.0.1", port))
                second.bind(("127.0.0.1", port + 1))
        except OSError:
            continue
        return port


def test_the_payment_stand_ins_port_follows_the_apis_unless_set(monkeypatch):
    # Given two platforms' settings: one with its own API port only, one naming the stand-ins' port too
    monkeypatch.delenv("SHIKHAR_PAYMENTS_PORT", raising=False)
    monkeypatch.setenv("SHIKHAR_API_PORT", "5340")
    derived = run.payments_port()
    monkeypatch.setenv("SHIKHAR_PAYMENTS_PORT", "6000")
    # Then the first's stand-ins listen beside its API, never on another platform's 8002; the second's where set
    assert (derived, run.payments_port()) == (5341, 6000)
    monkeypatch.delenv("SHIKHAR_PAYMENTS_PORT")
    monkeypatch.delenv("SHIKHAR_API_PORT")
    assert (run.api_port(), run.payments_port()) == (8001, 8002)  # the defaults a lone platform keeps


def test_make_run_starts_everything_and_ctrl_c_stops_it(tmp_path):
    # Given the ports of the emulator, the back office and the API (the payment stand-ins' follows the API's)
    ports = {"SHIKHAR_EMULATOR_PORT": free_port(), "SHIKHAR_BACKOFFICE_PORT": free_port(),
             "SHIKHAR_API_PORT": _free_pair()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHIKHAR_", "AWS_"))}
    env.update({k: str(v) for k, v in ports.items()}, SHIKHAR_DEMO_LISTINGS="9", PYTHONUNBUFFERED="1")
    ports["SHIKHAR_PAYMENTS_PORT"] = ports["SHIKHAR_API_PORT"] + 1
    log = (tmp_path / "run.log").open("w+")
    process = subprocess.Popen([sys.executable, "-m", "local.run"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while "Ctrl-C stops everything." not in Path(log.name).read_text():
            assert process.poll() is None, Path(log.name).read_text()[-3000:]
            assert time.monotonic() < deadline, "make run did not come up in 5 minutes"
            time.sleep(0.5)
        output = Path(log.name).read_text()
        assert "admin@demo.shikhar.np" in output and "investor@demo.shikhar.np" in output
        api = f"http://127.0.0.1:{ports['SHIKHAR_API_PORT']}"
        backoffice = f"http://127.0.0.1:{ports['SHIKHAR_BACKOFFICE_PORT']}"
        assert api + "/v1/listings" in output and backoffice in output
        for _ in range(60):  # the HTTP services may take a moment after the banner
            if port_in_use(ports["SHIKHAR_API_PORT"]) and port_in_use(ports["SHIKHAR_BACKOFFICE_PORT"]):
                break
            time.sleep(0.5)
        assert _get(api + "/v1/listings") == 200
        assert api + "/_mail" in output and _get(api + "/_mail") == 200  # the local mail view
        assert _get(backoffice + "/login/") == 200
        # the payment providers' stand-ins answer their own protocol (an unknown Khalti payment: 404)
        assert f"127.0.0.1:{ports['SHIKHAR_PAYMENTS_PORT']}" in output
        assert _get(f"http://127.0.0.1:{ports['SHIKHAR_PAYMENTS_PORT']}/khalti/?pidx=none") == 404
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=60)
    assert code == 0, Path(log.name).read_text()[-3000:]
    assert "Stopped." in Path(log.name).read_text()
    assert not any(port_in_use(p) for p in ports.values())


def test_after_a_crash_nothing_is_left_holding_a_port():
    # Given make run killed outright (no chance to clean up) once its services are up
    ports = {"SHIKHAR_EMULATOR_PORT": free_port(), "SHIKHAR_BACKOFFICE_PORT": free_port(),
             "SHIKHAR_API_PORT": free_port(), "SHIKHAR_PAYMENTS_PORT": free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHIKHAR_", "AWS_"))}
    env.update({k: str(v) for k, v in ports.items()}, SHIKHAR_DEMO_LISTINGS="1", PYTHONUNBUFFERED="1")
    process = subprocess.Popen([sys.executable, "-m", "local.run"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    for line in process.stdout:
        if "Ctrl-C stops everything." in line:
            break
    for _ in range(60):
        if port_in_use(ports["SHIKHAR_API_PORT"]) and port_in_use(ports["SHIKHAR_BACKOFFICE_PORT"]):
            break
        time.sleep(0.5)
    # When it is killed
    process.kill()
    process.wait(timeout=10)
    # Then its servers go with it, so the next run finds its ports free
    for _ in range(40):
        if not any(port_in_use(p) for p in ports.values()):
            break
        time.sleep(0.5)
    assert not any(port_in_use(p) for p in ports.values())
