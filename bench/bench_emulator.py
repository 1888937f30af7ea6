"""What running DynamoDB requests one at a time costs the emulator (``local.emulator.SerialDynamoDB``).

``python bench/bench_emulator.py [ROUNDS]`` (default 5) starts the emulator and, as the reference, moto's
own ThreadedMotoServer (no lock) in the same process, each with one table, and times on each, in
interleaved rounds: a lone client's PutItem + GetItem pairs (what a test does), and 8 threads doing the
same at once (what a race or a pool of workers does). Medians, and the emulator's time as a ratio of
the reference's.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from local.emulator import EMULATOR_ENV, Emulator, free_port

PAIRS = 200
THREADS = 8
os.environ.update(EMULATOR_ENV)


def _table(url: str, name: str):
    """A client and its own table (both servers in this process share moto's state)."""
    dynamodb = boto3.client("dynamodb", endpoint_url=url, config=Config(max_pool_connections=THREADS * 2))
    dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    return dynamodb, name


def _pairs(target, prefix: str, count: int) -> None:
    dynamodb, table = target
    for n in range(count):
        key = {"pk": {"S": f"{prefix}-{n}"}}
        dynamodb.put_item(TableName=table, Item={**key, "v": {"N": str(n)}})
        dynamodb.get_item(TableName=table, Key=key)


def _alone(target) -> float:
    start = time.perf_counter()
    _pairs(target, "alone", PAIRS)
    return time.perf_counter() - start


def _together(target) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda t: _pairs(target, f"t{t}", PAIRS // THREADS), range(THREADS)))
    return time.perf_counter() - start


def main(rounds: int) -> None:
    from moto.server import ThreadedMotoServer

    emulator = Emulator(port=free_port()).start()
    reference_port = free_port()
    reference = ThreadedMotoServer(ip_address="127.0.0.1", port=reference_port, verbose=False)
    reference.start()
    try:
        clients = {"moto (no lock)": _table(f"http://127.0.0.1:{reference_port}", "bench-moto"),
                   "emulator": _table(emulator.url, "bench-emulator")}
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(rounds):
            for name, target in clients.items():
                for workload, run in (("alone", _alone), ("8 threads", _together)):
                    times.setdefault((name, workload), []).append(run(target))
        for workload in ("alone", "8 threads"):
            ref = statistics.median(times[("moto (no lock)", workload)])
            ours = statistics.median(times[("emulator", workload)])
            print(f"{workload}: {PAIRS} PutItem+GetItem pairs, moto {ref * 1000:.0f} ms, "
                  f"emulator {ours * 1000:.0f} ms, ratio {ours / ref:.2f} (median of {rounds})")
    finally:
        reference.stop()
        emulator.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
