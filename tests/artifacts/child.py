"""Run one Lambda function from its built artifacts, as the Lambda runtime does, in this fresh process.

    python3.12 -I -S child.py <spec.json>     (events on stdin, one JSON a line)

Run isolated and without site-packages, so ``sys.path`` holds the standard library and only the
directories the spec names (the function's code asset, then its layers' ``python`` directories). The
handler is imported by the template's handler string and called with each event in turn. Every AWS call
the function makes is recorded from botocore's events: service, operation, parameters, outcome.
Standard library only: nothing may be imported before the function's own path is in place.
"""

import base64
import datetime
import importlib
import json
import sys
import time
import traceback

STARTED = time.perf_counter()
CALLS: list[dict] = []


class Context:
    def __init__(self, spec: dict) -> None:
        self.function_name = spec["function_name"]
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = spec["memory_mb"]
        self.invoked_function_arn = spec["function_arn"]
        self.aws_request_id = "00000000-0000-4000-8000-000000000000"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "artifacts"
        self._deadline = time.monotonic() + spec["timeout_s"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in ("Body", "SecretString", "SecretBinary")}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)[:64]).decode()
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _record(params, model, **_):
    CALLS.append({"service": model.service_model.signing_name or model.service_model.endpoint_prefix,
                  "operation": model.name, "params": _plain(params), "status": None, "error": None})


def _outcome(http_response, parsed, model, **_):
    for call in reversed(CALLS):
        if call["operation"] == model.name and call["status"] is None:
            call["status"] = http_response.status_code
            call["error"] = (parsed or {}).get("Error", {}).get("Code") if http_response.status_code >= 300 else None
            return


def install_recorder() -> None:
    import botocore.session

    original = botocore.session.Session.create_client

    def create_client(self, *args, **kwargs):
        created = original(self, *args, **kwargs)
        created.meta.events.register("provide-client-params", _record)
        created.meta.events.register("after-call", _outcome)
        return created

    botocore.session.Session.create_client = create_client


def invoke(handler, event: dict, spec: dict) -> dict:
    start = time.perf_counter()
    try:
        result = {"ok": True, "response": _plain(handler(event, Context(spec)))}
    except Exception as error:  # noqa: BLE001 - reported as Lambda reports a function error
        result = {"ok": False, "error": type(error).__name__, "message": str(error)[:2000],
                  "trace": traceback.format_exc()[-3000:]}
    result["ms"] = round((time.perf_counter() - start) * 1000, 1)
    return result


def main() -> None:
    with open(sys.argv[1]) as file:
        spec = json.load(file)
    sys.path[:0] = spec["path"]
    install_recorder()
    module_name, _, function = spec["handler"].rpartition(".")
    handler = getattr(importlib.import_module(module_name), function)
    init_ms = (time.perf_counter() - STARTED) * 1000
    for line in sys.stdin:  # one event a line; each answer on stdout after a marker (logs go there too)
        print(spec["marker"] + json.dumps(invoke(handler, json.loads(line), spec)), flush=True)
    roots = [*spec["path"], sys.base_prefix, __file__]
    outside = sorted(str(m.__file__) for name, m in list(sys.modules.items()) if getattr(m, "__file__", None)
                     and name != "__main__" and not any(str(m.__file__).startswith(root) for root in roots))
    with open(spec["result"], "w") as out:
        json.dump({"init_ms": round(init_ms, 1), "calls": CALLS, "outside": outside}, out)


if __name__ == "__main__":
    main()
