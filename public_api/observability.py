"""Logger, Metrics and Tracer for the API functions, created once per container.

The X-Ray SDK alone costs about as much to import as boto3 does, so the Tracer is built only where
tracing is on: in Lambda, unless ``POWERTOOLS_TRACE_DISABLED=true``. It patches botocore,
so every DynamoDB call becomes a subsegment.
"""

from __future__ import annotations

import os
import warnings

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from marketplace import observability as domain_observability
from marketplace.deployment import Env, in_lambda

# Routes that record no metric are normal (/v1/me); Powertools would warn on every such call.
warnings.filterwarnings("ignore", message="No application metrics to publish")
SERVICE = os.environ.get(Env.POWERTOOLS_SERVICE, "shikhar-public-api")
logger = Logger(service=SERVICE)
metrics = Metrics(namespace=os.environ.get(Env.POWERTOOLS_METRICS_NAMESPACE, "Shikhar"), service=SERVICE)
# Traced in Lambda only (the local gateway and tests run the same handlers without an X-Ray daemon).
TRACING = in_lambda() and (
    os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() not in ("1", "true"))
if TRACING:
    from aws_lambda_powertools import Tracer

    tracer = Tracer(service=SERVICE, patch_modules=["botocore"])
else:
    tracer = None


def count(name: str) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)


def instrument(handler):
    """Wrap a function's entry point: Powertools' Lambda context and correlation id (the HTTP API's
    request id) on every log line, the same id handed to the domain so the audit entries and events a
    request causes carry it, metrics flushed per invocation, a trace segment when tracing."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    @metrics.log_metrics
    def entry(event, context):
        domain_observability.set_correlation_id(logger.get_correlation_id())
        return handler(event, context)

    if tracer is not None:
        entry = tracer.capture_lambda_handler(entry)
    entry.__name__ = getattr(handler, "__name__", "handler")
    return entry
