"""The back office behind a local stand-in for CloudFront (``make run`` with ``SHIKHAR_PROFILE=production-like``).

What reaches Django is what reaches it in AWS:

- the viewer's Host arrives as ``X-Forwarded-Host`` (the edge's viewer-request function) and Host is the
  origin's own name (the origin request policy ALL_VIEWER_EXCEPT_HOST_HEADER; API Gateway's domain in
  AWS), so a page only loads if Django takes its host from the forwarded header and allows the
  distribution's domain, as production does;
- ``/static/*`` is answered by the edge from the static files (the /static behaviour over the bucket), and
  ``/media/*`` and ``/premium/*`` by the local media edge (the distribution's media behaviours), so the
  back office's premium previews, signed for the distribution's domain, load from it as in AWS;
- the visitor's address is appended to ``X-Forwarded-For``, as CloudFront does (the back office counts
  sign-in failures per address behind ``SHIKHAR_PROXY_HOPS=1``);
- ``/api/*`` goes to the public API (the local gateway) without its first segment and with the origin
  secret in ``X-Origin-Verify``, read from the secret ``SHIKHAR_ORIGIN_VERIFY_SECRET`` names: in this
  profile the gateway's functions refuse requests without it, as the API does when called past CloudFront;
- every response carries the edge's Content-Security-Policy in place of Django's (override on).

Django runs ``backoffice.settings.production`` here (parameters and secrets from the emulator's Parameter
Store and Secrets Manager, by the names ``marketplace.deployment`` declares).

``python -m local.edge --port 8000``
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

from werkzeug.exceptions import NotFound
from werkzeug.middleware.shared_data import SharedDataMiddleware
from werkzeug.wrappers import Request, Response

from local import media_edge
from local.gateway import serve
from marketplace.aws import client
from marketplace.deployment import (
    FORWARDED_HOST_HEADER,
    LOCAL_BACKOFFICE_PORT,
    ORIGIN_VERIFY_HEADER,
    Env,
    csp_header,
    site_csp,
)

STATIC_ROOT = Path(__file__).resolve().parents[1] / "backoffice" / "static"
# Stands for the origin's own domain (API Gateway's in AWS): not an allowed host of the back office.
ORIGIN_HOST = "backoffice-origin.execute-api.local"
_FORWARDED = "HTTP_" + FORWARDED_HOST_HEADER.upper().replace("-", "_")
API_PATH = "/api/"
# Not forwarded either way: the connection's own headers, and Host (the origin's, as CloudFront sends it).
_HOP_BY_HOP = {"host", "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
               "proxy-authorization", "proxy-authenticate", "content-length"}


class Edge:
    """WSGI middleware doing to requests and responses what CloudFront does in front of the back office."""

    def __init__(self, origin, *, csp: str, static_root: Path = STATIC_ROOT, api: str | None = None,
                 origin_secret: str | None = None) -> None:
        self.origin = origin
        self.csp = csp
        self.static = SharedDataMiddleware(NotFound(), {"/static": str(static_root)})
        self.api = api  # the public API's origin (the local gateway), served under /api
        self.origin_secret = origin_secret

    def __call__(self, environ, start_response):
        def respond(status, headers, exc_info=None):
            headers = [(k, v) for k, v in headers if k.lower() != "content-security-policy"]
            return start_response(status, [*headers, ("Content-Security-Policy", self.csp)], exc_info)

        path = environ.get("PATH_INFO", "")
        if path.startswith("/static/"):
            return self.static(environ, respond)
        if media_edge.serves(path):
            return media_edge.handle(Request(environ))(environ, start_response)
        if self.api and path.startswith(API_PATH):
            return self._to_api(Request(environ))(environ, respond)
        viewer = environ.get("REMOTE_ADDR", "")
        forwarded = ", ".join(part for part in (environ.get("HTTP_X_FORWARDED_FOR"), viewer) if part)
        environ = {**environ, _FORWARDED: environ.get("HTTP_HOST", ""), "HTTP_HOST": ORIGIN_HOST,
                   "SERVER_NAME": ORIGIN_HOST, "HTTP_X_FORWARDED_FOR": forwarded}
        return self.origin(environ, respond)


    def _to_api(self, request: Request) -> Response:
        """The /api behaviour: the request to the API's origin without the routing segment, the viewer's
        headers except Host (ALL_VIEWER_EXCEPT_HOST_HEADER), the origin secret added."""
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        if self.origin_secret:
            headers[ORIGIN_VERIFY_HEADER] = self.origin_secret
        query = f"?{request.query_string.decode()}" if request.query_string else ""
        forwarded = urllib.request.Request(f"{self.api}{request.path[len(API_PATH) - 1:]}{query}",
                                           data=request.get_data() or None, headers=headers, method=request.method)
        try:
            with urllib.request.urlopen(forwarded, timeout=60) as answer:
                return _answer(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as refused:
            return _answer(refused.code, refused.headers, refused.read())


def _answer(status: int, headers, body: bytes) -> Response:
    response = Response(body, status=status)
    for name, value in headers.items():
        if name.lower() not in _HOP_BY_HOP:
            response.headers.add(name, value)
    return response


def application() -> Edge:
    """The back office's WSGI app (settings from DJANGO_SETTINGS_MODULE) behind the edge."""
    from django.core.wsgi import get_wsgi_application

    from marketplace.config import settings

    origin = get_wsgi_application()  # loads the settings: parameters and secrets are read now
    cfg = settings()
    policy = site_csp(raw_bucket=cfg.raw_bucket, documents_bucket=cfg.documents_bucket, region=cfg.region, endpoint_url=cfg.endpoint_url,
                      media_urls=(cfg.public_media_base_url, cfg.endpoint_url))
    secret = os.environ.get(Env.ORIGIN_VERIFY_SECRET)
    origin_secret = client("secretsmanager").get_secret_value(SecretId=secret)["SecretString"] if secret else None
    return Edge(origin, csp=csp_header(policy), api=media_edge.edge_url(), origin_secret=origin_secret)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings.production")
    return serve(application, description="The back office behind a local CloudFront stand-in", default_port=LOCAL_BACKOFFICE_PORT,
                 banner="Back office behind the local edge")


if __name__ == "__main__":
    raise SystemExit(main())
