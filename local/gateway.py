"""The public API on http://127.0.0.1:8001, as API Gateway's HTTP API would serve it, with no AWS,
and media under ``/media`` and ``/premium`` as CloudFront serves them (``local.media_edge``).

A small Werkzeug app: it matches a request to a route of ``public_api.routes.ROUTES``, emulates the
JWT authorizer on signed-in routes exactly as AWS does (401 ``{"message":"Unauthorized"}`` with no or
an invalid token; the claims, flattened to strings, in ``requestContext.authorizer.jwt.claims``), builds
the payload 2.0 event and runs the same handler Lambda runs. Unknown routes get AWS's 404.

``python -m local.gateway --port 8001`` (``make run`` starts it with the platform's environment).
"""

from __future__ import annotations

import argparse
import base64
import importlib
import json
import os
import re
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from local import mail, media_edge
from public_api import tokens
from public_api.routes import FUNCTIONS, ROUTES, Route

DEFAULT_PORT = media_edge.DEFAULT_EDGE_PORT
MAX_PAYLOAD = 10 * 1024 * 1024  # HTTP API's own limit
_TEXTUAL = ("application/json", "text/", "application/x-www-form-urlencoded", "application/xml")


@dataclass(frozen=True)
class _Compiled:
    route: Route
    pattern: re.Pattern
    names: tuple[str, ...]


def _compile(route: Route) -> _Compiled:
    names = tuple(re.findall(r"\{([^}+]+)\+?\}", route.path))
    regex = re.sub(r"\{[^}+]+\}", "([^/]+)", route.path)
    return _Compiled(route, re.compile(f"^{regex}$"), names)


_COMPILED = tuple(_compile(r) for r in ROUTES)


class LambdaContext:
    """What a handler may read from Lambda's context object."""

    function_version = "$LATEST"
    memory_limit_in_mb = 256

    def __init__(self, function: str):
        self.function_name = f"shikhar-local-api-{function}"
        self.invoked_function_arn = f"arn:aws:lambda:ap-south-1:000000000000:function:{self.function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + 10

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _aws_error(status: int, message: str, headers: dict | None = None) -> Response:
    return Response(json.dumps({"message": message}), status=status, headers=headers or {},
                    content_type="application/json")


def _match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for compiled in _COMPILED:
        found = compiled.pattern.match(path)
        if found and compiled.route.method == method:
            return compiled.route, dict(zip(compiled.names, found.groups()))
    return None


def authorize(authorization: str | None) -> dict | None:
    """The HTTP API JWT authorizer: the flattened claims, or None (the request gets 401)."""
    if not authorization or not authorization.strip():
        return None
    raw = authorization.strip()
    token = raw.split(" ", 1)[1].strip() if raw.lower().startswith("bearer ") else raw
    try:
        return tokens.flatten_claims(tokens.verify(token))
    except tokens.TokenError:
        return None


def build_event(request: Request, route: Route, path_parameters: dict, claims: dict | None, body: bytes) -> dict:
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    cookies = [c.strip() for c in headers.pop("cookie", "").split(";") if c.strip()]
    query: dict[str, str] = {}
    for name in request.args:
        query[name] = ",".join(request.args.getlist(name))
    content_type = headers.get("content-type", "")
    textual = content_type.startswith(_TEXTUAL)
    text_body = None
    if body and textual:
        try:
            text_body = body.decode("utf-8")
        except UnicodeDecodeError:
            textual = False
    now = datetime.now(UTC)
    context: dict = {
        "accountId": "000000000000", "apiId": "local", "domainName": request.host.split(":")[0],
        "domainPrefix": "local",
        "http": {"method": request.method, "path": request.path, "protocol": request.environ.get("SERVER_PROTOCOL",
                                                                                                  "HTTP/1.1"),
                 "sourceIp": request.remote_addr or "127.0.0.1", "userAgent": headers.get("user-agent", "")},
        "requestId": str(uuid.uuid4()), "routeKey": route.route_key, "stage": "$default",
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"), "timeEpoch": int(now.timestamp() * 1000),
    }
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    event: dict = {
        "version": "2.0", "routeKey": route.route_key, "rawPath": request.path,
        "rawQueryString": request.query_string.decode("latin-1"), "headers": headers,
        "requestContext": context, "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        if textual:
            event["body"] = text_body
        else:
            event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    return event


def _handler(function: str):
    return importlib.import_module(FUNCTIONS[function]).handler


def _response(result) -> Response:
    if not isinstance(result, dict) or "statusCode" not in result:  # HTTP API's inference for bare values
        return Response(json.dumps(result), status=200, content_type="application/json")
    body = result.get("body") or ""
    payload = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    response = Response(payload, status=int(result["statusCode"]))
    for name, value in (result.get("headers") or {}).items():
        response.headers[name] = value
    for name, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            response.headers.add(name, value)
    for cookie in result.get("cookies") or []:
        response.headers.add("Set-Cookie", cookie)
    return response


class Throttle:
    """The stage's token bucket: ``rate`` requests a second refill up to ``burst``; an empty bucket is
    API Gateway's 429 ``{"message":"Too Many Requests"}``."""

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, burst
        self._tokens, self._at = float(burst), time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True


def _throttle_from_environment() -> Throttle | None:
    """Off unless ``SHIKHAR_API_RATE_LIMIT`` (requests a second) is set; ``SHIKHAR_API_BURST_LIMIT``
    defaults to twice the rate, as the stages configure it (``infra.config``)."""
    rate = os.environ.get("SHIKHAR_API_RATE_LIMIT")
    if not rate:
        return None
    burst = os.environ.get("SHIKHAR_API_BURST_LIMIT") or str(int(float(rate) * 2))
    return Throttle(float(rate), int(burst))


def gateway_application(throttle: Throttle | None):
    @Request.application
    def app(request: Request) -> Response:
        if media_edge.serves(request.path):  # the distribution's /media and /premium behaviours, not the API's
            return media_edge.handle(request)
        if mail.serves(request.path):  # the local mail view (no such path in AWS)
            return mail.handle(request)
        if throttle is not None and not throttle.take():
            return _aws_error(429, "Too Many Requests")
        return _route(request)

    return app


def _route(request: Request) -> Response:
    found = _match(request.method, request.path)
    if found is None:
        return _aws_error(404, "Not Found")
    route, path_parameters = found
    if (request.content_length or 0) > MAX_PAYLOAD:
        return _aws_error(413, "Request Entity Too Large")
    claims = None
    if route.signed_in:
        claims = authorize(request.headers.get("Authorization"))
        if claims is None:
            return _aws_error(401, "Unauthorized", {"www-authenticate": "Bearer"})
    body = request.get_data(cache=False)
    event = build_event(request, route, path_parameters, claims, body)
    try:
        result = _handler(route.function)(event, LambdaContext(route.function))
    except Exception:  # noqa: BLE001 - Lambda's own failure: HTTP API answers 500 without details
        traceback.print_exc()
        return _aws_error(500, "Internal Server Error")
    response = _response(result)
    response.headers["apigw-requestid"] = event["requestContext"]["requestId"]  # as HTTP API names each request
    return response


class Gateway:
    """The gateway in a background thread (tests, ``make run``)."""

    def __init__(self, port: int = DEFAULT_PORT, host: str = "127.0.0.1", throttle: Throttle | None = None):
        self._server = make_server(host, port, gateway_application(throttle), threaded=True)
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="api-gateway", daemon=True)

    def start(self) -> Gateway:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


def serve(build, *, description: str, default_port: int, banner: str) -> int:
    """Serve the WSGI app ``build()`` returns on ``--host``/``--port`` until interrupted (the command line of
    the local HTTP services)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, default=default_port)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    server = make_server(args.host, args.port, build(), threaded=True)
    print(f"{banner} on http://{args.host}:{args.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def main() -> int:
    return serve(lambda: gateway_application(_throttle_from_environment()), description="The public API behind a local HTTP API gateway", default_port=DEFAULT_PORT,
                 banner="Public API (Swagger UI at /docs, media at /media and /premium)")


if __name__ == "__main__":
    raise SystemExit(main())
