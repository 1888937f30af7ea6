"""The back office behind a local stand-in for CloudFront (``make run`` with ``SHIKHAR_PROFILE=production-like``).

What reaches Django is what reaches it in AWS:

- the viewer's Host arrives as ``X-Forwarded-Host`` (the edge's viewer-request function) and Host is the
  origin's own name (the origin request policy ALL_VIEWER_EXCEPT_HOST_HEADER; API Gateway's domain in
  AWS), so a page only loads if Django takes its host from the forwarded header and allows the
  distribution's domain, as production does;
- ``/static/*`` is answered by the edge from the static files (the /static behaviour over the bucket);
- every response carries the edge's Content-Security-Policy in place of Django's (override on).

Django runs ``backoffice.settings.production`` here (parameters and secrets from the emulator's Parameter
Store and Secrets Manager, by the names ``marketplace.deployment`` declares).

``python -m local.edge --port 8000``
"""

from __future__ import annotations

import os
from pathlib import Path

from werkzeug.exceptions import NotFound
from werkzeug.middleware.shared_data import SharedDataMiddleware

from local.gateway import serve
from marketplace.deployment import FORWARDED_HOST_HEADER, csp_header, site_csp

STATIC_ROOT = Path(__file__).resolve().parents[1] / "backoffice" / "static"
# Stands for the origin's own domain (API Gateway's in AWS): not an allowed host of the back office.
ORIGIN_HOST = "backoffice-origin.execute-api.local"
_FORWARDED = "HTTP_" + FORWARDED_HOST_HEADER.upper().replace("-", "_")


class Edge:
    """WSGI middleware doing to requests and responses what CloudFront does in front of the back office."""

    def __init__(self, origin, *, csp: str, static_root: Path = STATIC_ROOT) -> None:
        self.origin = origin
        self.csp = csp
        self.static = SharedDataMiddleware(NotFound(), {"/static": str(static_root)})

    def __call__(self, environ, start_response):
        def respond(status, headers, exc_info=None):
            headers = [(k, v) for k, v in headers if k.lower() != "content-security-policy"]
            return start_response(status, [*headers, ("Content-Security-Policy", self.csp)], exc_info)

        if environ.get("PATH_INFO", "").startswith("/static/"):
            return self.static(environ, respond)
        environ = {**environ, _FORWARDED: environ.get("HTTP_HOST", ""), "HTTP_HOST": ORIGIN_HOST,
                   "SERVER_NAME": ORIGIN_HOST}
        return self.origin(environ, respond)


def application() -> Edge:
    """The back office's WSGI app (settings from DJANGO_SETTINGS_MODULE) behind the edge."""
    from django.core.wsgi import get_wsgi_application

    from marketplace.config import settings

    origin = get_wsgi_application()  # loads the settings: parameters and secrets are read now
    cfg = settings()
    policy = site_csp(raw_bucket=cfg.raw_bucket, region=cfg.region, endpoint_url=cfg.endpoint_url,
                      media_urls=(cfg.public_media_base_url, cfg.endpoint_url))
    return Edge(origin, csp=csp_header(policy))


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings.production")
    return serve(application, description="The back office behind a local CloudFront stand-in", default_port=8000,
                 banner="Back office behind the local edge")


if __name__ == "__main__":
    raise SystemExit(main())
