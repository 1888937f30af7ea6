"""Feature flags through Powertools' feature flags utility: AWS AppConfig in AWS, a file locally.

``feature_flags.json`` beside this module is the one document of the flags and their defaults, in
Powertools' schema: the local store reads it, and infra deploys it as the first version of the AppConfig
profile (a freeform JSON profile; operators then change a flag with an AppConfig deployment, and commit
the file so the next stack deployment keeps it).

The utility is imported on the first evaluation, not at init: only a request that consults a flag pays
for it (about 9 ms of imports), so the functions' cold start stays as it was.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from marketplace.deployment import Env
from public_api.observability import logger

FLAGS_FILE = Path(__file__).resolve().with_name("feature_flags.json")
# Environment of a function that reads its flags from AppConfig (set by infra's API stack).
APPCONFIG_APPLICATION = Env.APPCONFIG_APPLICATION
APPCONFIG_ENVIRONMENT = Env.APPCONFIG_ENVIRONMENT
APPCONFIG_PROFILE = Env.APPCONFIG_PROFILE
FLAGS_FILE_VARIABLE = Env.FEATURE_FLAGS_FILE  # locally: another file with the same schema
# A flag change reaches a warm function within this many seconds (one AppConfig call per period).
MAX_AGE_SECONDS = 60

# The flags.
INQUIRIES_OPEN = "inquiries_open"  # off: new inquiries are refused with 503 (spam wave, broker outage)


def _file_store(path: Path):
    from aws_lambda_powertools.utilities.feature_flags.base import StoreProvider
    from aws_lambda_powertools.utilities.feature_flags.exceptions import ConfigurationStoreError

    class FileStore(StoreProvider):
        """The local twin of ``AppConfigStore``: the same document, read from a file on each evaluation."""

        @property
        def get_raw_configuration(self) -> dict[str, Any]:
            try:
                return json.loads(path.read_text())
            except (OSError, ValueError) as error:
                raise ConfigurationStoreError(f"cannot read feature flags from {path}: {error}") from error

        def get_configuration(self) -> dict[str, Any]:
            return self.get_raw_configuration

    return FileStore()


@lru_cache(maxsize=1)
def feature_flags():
    from aws_lambda_powertools.utilities.feature_flags import AppConfigStore, FeatureFlags

    application = os.environ.get(APPCONFIG_APPLICATION)
    if application:
        store = AppConfigStore(application=application, environment=os.environ[APPCONFIG_ENVIRONMENT],
                               name=os.environ[APPCONFIG_PROFILE], max_age=MAX_AGE_SECONDS)
    else:
        store = _file_store(Path(os.environ.get(FLAGS_FILE_VARIABLE) or FLAGS_FILE))
    return FeatureFlags(store=store)


def enabled(name: str, *, default: bool, context: dict[str, Any] | None = None) -> bool:
    """The flag's value for this context. An unreachable store or a document that breaks the schema gives
    ``default`` with a warning, so a bad flag change never takes a route down."""
    from aws_lambda_powertools.utilities.feature_flags.exceptions import (
        ConfigurationStoreError,
        SchemaValidationError,
    )

    flags = feature_flags()
    try:
        flags.get_configuration()  # the store caches it (AppConfig: for MAX_AGE_SECONDS); evaluate reuses it
    except (ConfigurationStoreError, SchemaValidationError) as error:
        logger.warning("feature flags unavailable: using the default", extra={
            "flag": name, "default": default, "reason": str(error)})
        return default
    return bool(flags.evaluate(name=name, context=context or {}, default=default))
