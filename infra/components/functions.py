"""A Lambda function the platform's way: its own role, its own encrypted log group with retention,
Python 3.12 on Graviton, X-Ray, JSON logs, SnapStart on published versions behind a ``live`` alias.

The repository's code is one asset (only the packages Lambda runs); third-party dependencies come in
layers built from ``pyproject.toml`` (core dependencies plus the named optional groups).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, Duration, IgnoreMode, ILocalBundling, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.nag import acknowledge
from marketplace.deployment import Env, required_variables

REPO = Path(__file__).resolve().parents[2]
RUNTIME = lambda_.Runtime.PYTHON_3_12  # SnapStart for Python starts at 3.12; the project pins 3.12
ARCHITECTURE = lambda_.Architecture.ARM_64
# Lambda's python3.12 runtime is Amazon Linux 2023 (glibc 2.34): it loads manylinux_2_28 wheels, and some
# pins (Pillow 13) publish arm64 wheels only with that tag. pip takes every platform it may choose from.
PLATFORMS = {
    "arm64": ("manylinux_2_28_aarch64", "manylinux2014_aarch64"),
    # The same pins for this machine's processor: tests import layers' compiled wheels from this twin.
    "x86_64": ("manylinux_2_28_x86_64", "manylinux2014_x86_64"),
}
LAMBDA_PLATFORM = "arm64"
# Built layers, one directory per platform and pin list: a repeated synthesis copies instead of installing.
# ``SHIKHAR_BUILD_CACHE`` moves it (CI caches it between runs).
BUILD_CACHE = Path(os.environ.get("SHIKHAR_BUILD_CACHE", REPO / ".cache" / "build"))
REQUIREMENTS_FILE = "requirements.txt"  # written at the layer's root: the pins it was built from
# The packages deployed to Lambda: everything else in the repository stays out of the asset.
LAMBDA_PACKAGES = ("marketplace", "public_api", "media_pipeline", "ops")


def code_asset() -> lambda_.Code:
    """The repository's own code. Handlers are referenced by dotted name; synthesis only copies files."""
    exclude = ["*", *(f"!{package}" for package in LAMBDA_PACKAGES),
               *(f"!{package}/**" for package in LAMBDA_PACKAGES), "**/__pycache__", "**/*.pyc"]
    return lambda_.Code.from_asset(str(REPO), exclude=exclude, ignore_mode=IgnoreMode.GLOB)


def requirements(*groups: str) -> list[str]:
    """Pinned requirements: the core dependencies plus the named optional groups of pyproject.toml."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = list(project["dependencies"])
    for group in groups:
        pins.extend(project["optional-dependencies"][group])
    # boto3 ships with the Lambda runtime, but pinning it keeps behaviour identical to the tests.
    return sorted(set(pins))


def layer_digest(pins: Sequence[str], platform: str = LAMBDA_PLATFORM) -> str:
    return hashlib.sha256("\n".join([*PLATFORMS[platform], *pins]).encode()).hexdigest()


def build_layer(pins: Sequence[str], *, platform: str = LAMBDA_PLATFORM) -> Path:
    """The layer's content (``python/`` and the pin list) for ``platform``, built once per pin list into
    the build cache with pip's wheels for that platform only (no source builds, no Docker)."""
    built = BUILD_CACHE / "layers" / f"{platform}-{layer_digest(pins, platform)[:16]}"
    if (built / REQUIREMENTS_FILE).exists():
        return built
    built.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{built.name}.", dir=built.parent))
    platforms = [arg for tag in PLATFORMS[platform] for arg in ("--platform", tag)]
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--disable-pip-version-check",
                    "--target", str(staging / "python"), *platforms, "--implementation", "cp",
                    "--python-version", "3.12", "--only-binary=:all:", *pins], check=True)
    (staging / REQUIREMENTS_FILE).write_text("\n".join(pins) + "\n")
    try:
        staging.rename(built)
    except OSError:  # built meanwhile by another process: keep theirs
        shutil.rmtree(staging, ignore_errors=True)
    return built


@jsii.implements(ILocalBundling)
class _PipBundling:
    """Copies the layer built by ``build_layer`` for Lambda's platform: no Docker needed to synthesize."""

    def __init__(self, pins: Sequence[str]) -> None:
        self.pins = list(pins)

    def try_bundle(self, output_dir: str, *, image=None, **_: object) -> bool:
        shutil.copytree(build_layer(self.pins), output_dir, dirs_exist_ok=True)
        return True


def dependency_layer(scope: Construct, id: str, *, groups: Sequence[str], description: str) -> lambda_.LayerVersion:
    """A layer of pinned wheels; its asset hash is the pin list, so it is rebuilt only when pins change."""
    pins = requirements(*groups)
    platforms = " ".join(f"--platform {tag}" for tag in PLATFORMS[LAMBDA_PLATFORM])
    install = (f"pip install --target /asset-output/python {platforms} --implementation cp --python-version 3.12 "
               "--only-binary=:all: " + " ".join(f"'{pin}'" for pin in pins))
    return lambda_.LayerVersion(
        scope, id, description=description, compatible_runtimes=[RUNTIME], compatible_architectures=[ARCHITECTURE],
        code=lambda_.Code.from_asset(
            str(REPO), exclude=["*", "!pyproject.toml"], ignore_mode=IgnoreMode.GLOB,
            asset_hash_type=AssetHashType.CUSTOM, asset_hash=layer_digest(pins),
            bundling=BundlingOptions(image=RUNTIME.bundling_image, local=_PipBundling(pins),
                                     command=["bash", "-c", install])))


class ServiceFunction(Construct):
    """``alias`` is what event sources, integrations and the state machine invoke (SnapStart's version)."""

    def __init__(self, scope: Construct, id: str, *, function_name: str, handler: str, code: lambda_.Code,
                 layers: Sequence[lambda_.ILayerVersion], environment: Mapping[str, str], memory_mb: int,
                 timeout: Duration, log_retention_days: int, logs_key: kms.IKey, description: str,
                 removal_policy: RemovalPolicy, reserved_concurrency: int | None = None) -> None:
        super().__init__(scope, id)
        self.function_name = function_name
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                             description=f"Runs {function_name} only")
        self.log_group = logs.LogGroup(
            self, "Logs", log_group_name=f"/aws/lambda/{function_name}", encryption_key=logs_key,
            retention=retention(log_retention_days), removal_policy=removal_policy)
        self.role.add_to_principal_policy(iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[self.log_group.log_group_arn]))
        # The AWS calls' timeouts and retries are sized from the timeout (marketplace.config.CallBudget).
        self._environment = {Env.POWERTOOLS_SERVICE: function_name,
                             Env.FUNCTION_TIMEOUT: str(int(timeout.to_seconds())), **environment}
        self.function = lambda_.Function(
            self, "Function", function_name=function_name, runtime=RUNTIME, architecture=ARCHITECTURE,
            handler=handler, code=code, layers=list(layers), role=self.role, log_group=self.log_group,
            memory_size=memory_mb, timeout=timeout, description=description,
            environment={**self._environment, Env.REQUIRED: required_variables(self._environment)},
            tracing=lambda_.Tracing.ACTIVE, logging_format=lambda_.LoggingFormat.JSON,
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS,
            reserved_concurrent_executions=reserved_concurrency)
        self.alias = lambda_.Alias(self, "Live", alias_name="live", version=self.function.current_version)
        acknowledge(self.role, ("AwsSolutions-IAM5[Resource::*]",
                                ("Only actions without resource-level permissions use '*': X-Ray PutTraceSegments/"
                                "PutTelemetryRecords and, for stream consumers, dynamodb:ListStreams.")))

    def add_environment(self, name: Env, value: str) -> None:
        """One more variable; it joins what the function requires at init (``Env.REQUIRED``)."""
        self.function.add_environment(name, value)
        self._environment[name] = value
        self.function.add_environment(Env.REQUIRED, required_variables(self._environment))

    def allow(self, *, actions: Sequence[str], resources: Sequence[str]) -> None:
        self.role.add_to_principal_policy(iam.PolicyStatement(actions=list(actions), resources=list(resources)))

    @property
    def arn_for_logs(self) -> str:
        return f"arn:aws:logs:{Stack.of(self).region}:{Stack.of(self).account}:log-group:/aws/lambda/{self.function_name}"


_RETENTION = {1: logs.RetentionDays.ONE_DAY, 3: logs.RetentionDays.THREE_DAYS, 5: logs.RetentionDays.FIVE_DAYS,
              7: logs.RetentionDays.ONE_WEEK, 14: logs.RetentionDays.TWO_WEEKS, 30: logs.RetentionDays.ONE_MONTH,
              60: logs.RetentionDays.TWO_MONTHS, 90: logs.RetentionDays.THREE_MONTHS,
              180: logs.RetentionDays.SIX_MONTHS, 365: logs.RetentionDays.ONE_YEAR}


def retention(days: int) -> logs.RetentionDays:
    try:
        return _RETENTION[days]
    except KeyError:
        raise ValueError(f"CloudWatch Logs has no {days}-day retention; one of {sorted(_RETENTION)}") from None


class FunctionKit:
    """What every function of one stack shares: the code asset, the dependency layers, the stage's base
    environment, the logs key and retention. ``function()`` makes one ``ServiceFunction``."""

    def __init__(self, scope: Construct, *, base_environment: Mapping[str, str], logs_key: kms.IKey,
                 log_retention_days: int, removal_policy: RemovalPolicy) -> None:
        self.scope = scope
        self.code = code_asset()
        self.base_environment = dict(base_environment)
        self.logs_key = logs_key
        self.log_retention_days = log_retention_days
        self.removal_policy = removal_policy
        self._layers: dict[tuple[str, ...], lambda_.LayerVersion] = {}

    def layer(self, groups: Sequence[str]) -> lambda_.LayerVersion:
        key = tuple(groups)
        if key not in self._layers:
            name = "".join(g.title().replace("_", "") for g in key) or "Core"
            self._layers[key] = dependency_layer(
                self.scope, f"{name}Dependencies", groups=key,
                description=f"Pinned dependencies: core + {', '.join(key) or 'nothing else'}")
        return self._layers[key]

    def function(self, id: str, *, function_name: str, handler: str, description: str, memory_mb: int,
                 timeout: Duration, groups: Sequence[str] = (), environment: Mapping[str, str] | None = None,
                 reserved_concurrency: int | None = None) -> ServiceFunction:
        return ServiceFunction(
            self.scope, id, function_name=function_name, handler=handler, code=self.code,
            layers=[self.layer(groups)], environment={**self.base_environment, **(environment or {})},
            memory_mb=memory_mb, timeout=timeout, log_retention_days=self.log_retention_days,
            logs_key=self.logs_key, description=description, removal_policy=self.removal_policy,
            reserved_concurrency=reserved_concurrency)
