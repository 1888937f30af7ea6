"""The API's documentation outside production: Swagger UI at ``/docs`` over the committed document
(the UI's script and style are Powertools' bundled copies, so it works offline)."""

from __future__ import annotations

import json
from pathlib import Path

import aws_lambda_powertools.event_handler.openapi.swagger_ui as swagger_assets
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

DOCUMENT = Path(__file__).resolve().parent.parent / "openapi.json"
_ASSETS = Path(swagger_assets.__file__).parent

router = Router()


@router.get("/openapi.json", include_in_schema=False)
def document():
    return Response(200, "application/json", DOCUMENT.read_text())


@router.get("/docs", include_in_schema=False)
def swagger_ui():
    spec = json.dumps(json.loads(DOCUMENT.read_text())).replace("</", "<\\/")
    html = generate_swagger_html(spec, (_ASSETS / "swagger-ui-bundle.min.js").read_text(),
                                 (_ASSETS / "swagger-ui.min.css").read_text(), "", None, False)
    return Response(200, "text/html", html)
