"""The set-up step of `make run` and `make test` installs the Debian packages the tests need, only
when missing, without recommended extras, and says what to do when it cannot; no test installs any."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "system-packages"


def _stub(folder: Path, name: str, body: str = "exit 0") -> None:
    path = folder / name
    path.write_text(f"#!/bin/bash\n{body}\n")
    path.chmod(0o755)


@pytest.fixture
def machine(tmp_path):
    """A PATH with only the tools the script uses; apt-get records how it was called."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in ("grep", "id"):
        os.symlink(shutil.which(tool), folder / tool)
    _stub(folder, "apt-get", f'echo "$@" >> {tmp_path}/apt-calls')
    return folder


def _run(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([shutil.which("bash"), str(SCRIPT)], check=False, capture_output=True, text=True,
                          env={"PATH": str(folder)})


def _apt_calls(folder: Path) -> list[str]:
    calls = folder.parent / "apt-calls"
    return calls.read_text().splitlines() if calls.exists() else []


def test_nothing_is_installed_when_everything_is_present(machine):
    _stub(machine, "chromium")
    _stub(machine, "ffmpeg")
    _stub(machine, "ldconfig", 'echo "libvips.so.42 (libc6,x86-64) => /lib/libvips.so.42"')
    assert _run(machine).returncode == 0
    assert _apt_calls(machine) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="installs as root only")
def test_only_the_missing_packages_are_installed_without_recommends(machine):
    _stub(machine, "ffmpeg")
    _stub(machine, "ldconfig")
    assert _run(machine).returncode == 0
    assert _apt_calls(machine) == ["update -qq", "install -y -qq --no-install-recommends chromium libvips42"]


@pytest.mark.skipif(os.geteuid() != 0, reason="installs as root only")
def test_a_failed_install_says_what_to_run(machine):
    _stub(machine, "apt-get", "exit 100")
    result = _run(machine)
    assert result.returncode == 0
    assert "apt-get install -y --no-install-recommends chromium ffmpeg libvips42" in result.stderr


def test_the_two_commands_run_the_set_up_step_and_no_test_installs_packages():
    makefile = (ROOT / "Makefile").read_text()
    assert "test: $(STAMP) system-packages" in makefile and "run: $(STAMP) system-packages" in makefile
    offenders = [p.name for p in (ROOT / "tests").rglob("*.py")
                 if p != Path(__file__) and "apt-get update" in p.read_text()]
    assert offenders == []
