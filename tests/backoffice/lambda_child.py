"""Run API Gateway events through ``zappa.handler.lambda_handler`` in this (fresh) process, as Lambda
does: ``python -m tests.backoffice.lambda_child <dir holding zappa_settings.py>`` with the events as
JSON on stdin; prints each response and the milliseconds it took, plus the process's import time."""

from __future__ import annotations

import json
import sys
import time

STARTED = time.perf_counter()


class Context:
    function_name = "shikhar-backoffice-dev"
    aws_request_id = "local"
    memory_limit_in_mb = 1024

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def v1(path: str, host: str) -> dict:
    """An API Gateway REST (payload 1.0) proxy event."""
    return {"resource": "/{proxy+}", "path": path, "httpMethod": "GET",
            "headers": {"Host": host, "X-Forwarded-Proto": "https", "Accept": "text/html"},
            "multiValueHeaders": {"Host": [host], "X-Forwarded-Proto": ["https"], "Accept": ["text/html"]},
            "queryStringParameters": None, "multiValueQueryStringParameters": None,
            "pathParameters": {"proxy": path.lstrip("/")}, "stageVariables": None,
            "requestContext": {"stage": "dev", "requestId": "req-1", "httpMethod": "GET", "path": path,
                               "identity": {"sourceIp": "203.0.113.7", "userAgent": "test"}},
            "body": None, "isBase64Encoded": False}


def v2(path: str, host: str) -> dict:
    """An API Gateway HTTP API (payload 2.0) event."""
    return {"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
            "headers": {"host": host, "x-forwarded-proto": "https", "accept": "text/html"},
            "requestContext": {"http": {"method": "GET", "path": path, "protocol": "HTTP/1.1",
                                        "sourceIp": "203.0.113.7", "userAgent": "test"},
                               "requestId": "req-2", "stage": "$default", "domainName": host},
            "isBase64Encoded": False}


def main() -> None:
    sys.path.insert(0, sys.argv[1])
    events = json.load(sys.stdin)
    from zappa.handler import lambda_handler

    results = []
    for event in events:
        start = time.perf_counter()
        response = lambda_handler(event, Context())
        results.append({"status": response["statusCode"], "body": response.get("body", ""),
                        "headers": response.get("headers", {}), "ms": round((time.perf_counter() - start) * 1000, 1)})
    print(json.dumps({"results": results, "process_ms": round((time.perf_counter() - STARTED) * 1000, 1)}))


if __name__ == "__main__":
    main()
