"""The public HTTP API for buyers' apps: small Powertools Lambda functions over the marketplace domain.

One resolver per function (``public_api.functions``), one Router per resource (``public_api.routers``),
pydantic models for every request and response (``public_api.schemas``). Never imports Django; keeps
its cold path light (PyJWT only when a bearer token arrives, the S3/Secrets clients only when premium
media is signed).
"""
