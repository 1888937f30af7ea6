"""Malware scanning behind one interface: ClamAV where it is installed with signatures (a Lambda layer in
AWS; ``SHIKHAR_CLAMSCAN`` names clamscan or clamdscan), otherwise an honest "not scanned"."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from typing import Protocol

from media_pipeline.config import media_settings
from media_pipeline.errors import TransientError

CLEAN, INFECTED, NOT_SCANNED = "clean", "infected", "not_scanned"


@dataclass(frozen=True)
class ScanResult:
    status: str  # clean | infected | not_scanned
    signature: str | None = None


class Scanner(Protocol):
    def scan(self, path: str, *, timeout: float) -> ScanResult: ...


class NotScanned:
    def scan(self, path: str, *, timeout: float) -> ScanResult:
        return ScanResult(NOT_SCANNED)


@dataclass(frozen=True)
class ClamAV:
    command: str
    database: str | None = None

    def scan(self, path: str, *, timeout: float) -> ScanResult:
        args = [self.command, "--no-summary", "--infected"]
        if self.database:
            args.append(f"--database={self.database}")
        try:
            done = subprocess.run([*args, path], capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as error:
            raise TransientError("the malware scanner timed out") from error
        if done.returncode == 0:
            return ScanResult(CLEAN)
        if done.returncode == 1:  # "<path>: <signature> FOUND"
            line = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
            signature = line.rsplit(":", 1)[-1].removesuffix("FOUND").strip() or "unknown"
            return ScanResult(INFECTED, signature)
        raise TransientError(f"the malware scanner failed (exit {done.returncode}): {done.stderr.strip()[:200]}")


def scanner() -> Scanner:
    cfg = media_settings()
    return ClamAV(cfg.clamscan, cfg.clamav_database) if cfg.clamscan else NotScanned()
