"""``/health``: for load balancers, monitors and the deploy's smoke test. Unauthenticated and cheap: one
GetItem on the table (never a scan), inside the function's call budget; 503 with Retry-After when the
table does not answer."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from marketplace.errors import Unavailable
from marketplace.health import dependency_checks
from public_api.schemas.health import Health

router = Router()

CHECKS = ("table",)  # what every route needs; the user pool is the authorizer's, checked by API Gateway
_SCHEMA = {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}


@router.get("/health", summary="Whether the API can serve", tags=["operations"], responses={
    200: {"description": "Every dependency answers"},
    503: {"description": "A dependency does not answer (named in `checks`); try again after Retry-After seconds",
          "content": _SCHEMA}})
def health() -> Health:
    checks = dependency_checks(CHECKS)
    if all(result == "ok" for result in checks.values()):
        return Health(status="ok", checks=checks)
    return Response(503, "application/json", Health(status="unavailable", checks=checks),  # validated as Health
                    headers={"Retry-After": str(Unavailable.retry_after_seconds)})
