"""The functions of a synthesized stage, each run from its artifacts in a clean Python 3.12 process."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from infra.components.functions import REQUIREMENTS_FILE, build_layer
from tests.artifacts.stage import Stack, Stage

CHILD = Path(__file__).with_name("child.py")
PYTHON = sys._base_executable  # the interpreter itself, not this virtualenv: no site-packages of ours
MARKER = "\x1eRESULT "
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Function:
    name: str  # the Lambda function name
    stack: Stack
    role: str  # the role's logical id in ``stack``
    handler: str
    path: list[str]  # sys.path entries before the standard library
    environment: dict[str, str]
    memory_mb: int
    timeout_s: int
    layers: list[Path] = field(default_factory=list)  # the arm64 layer assets as synthesized
    code: Path | None = None
    properties: dict = field(default_factory=dict)  # the function's template properties


def emulated_url(value: str, stage: Stage) -> str:
    return stage.emulated(value)


def x86_twin(layer: Path) -> Path:
    """The same pins as the arm64 layer, for this machine: its ``python`` directory."""
    pins = (layer / REQUIREMENTS_FILE).read_text().split()
    return build_layer(pins, platform="x86_64") / "python"


def functions(stage: Stage) -> list[Function]:
    """Every function of the stage whose code is the repository's code asset (CDK's own custom-resource
    handlers are not the platform's code)."""
    found = []
    for stack, logical_id, resource in stage.of_type("AWS::Lambda::Function"):
        properties = resource["Properties"]
        if not properties.get("Layers"):
            continue
        code = stage.asset(properties["Code"])
        layers = [stage.asset(_layer_code(stage, stack, layer)) for layer in properties["Layers"]]
        variables = properties.get("Environment", {}).get("Variables", {})
        environment = {k: emulated_url(str(stage.resolve(stack, v)), stage) for k, v in variables.items()}
        found.append(Function(
            name=stage.physical_name(stack, logical_id), stack=stack, role=properties["Role"]["Fn::GetAtt"][0],
            handler=properties["Handler"], path=[str(code), *(str(x86_twin(layer)) for layer in layers)],
            environment=environment, memory_mb=properties.get("MemorySize", 128),
            timeout_s=properties.get("Timeout", 3), layers=layers, code=code, properties=properties))
    return found


def _layer_code(stage: Stage, stack: Stack, layer) -> dict:
    logical_id = layer["Ref"]
    return stack.resources[logical_id]["Properties"]["Content"]


def lambda_environment(function: Function, stage: Stage) -> dict[str, str]:
    """What the Lambda runtime sets, then the template's variables; the emulator stands in for AWS."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "en_US.UTF-8", "TZ": ":UTC",
        "AWS_REGION": stage.region, "AWS_DEFAULT_REGION": stage.region,
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
        "AWS_LAMBDA_FUNCTION_NAME": function.name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "LAMBDA_TASK_ROOT": function.path[0], "_HANDLER": function.handler,
        # Active tracing: the runtime names the daemon and the (unsampled) trace of the invocation.
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000", "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "_X_AMZN_TRACE_ID": "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=0",
        "AWS_ENDPOINT_URL": stage.emulator_url,
        **function.environment,
    }


class Invocation:
    """One cold start of a function: events go in one at a time, responses come back; at the end, the
    AWS calls it made and the time its init took."""

    def __init__(self, function: Function, stage: Stage) -> None:
        self.function = function
        self.folder = Path(tempfile.mkdtemp(prefix=f"{function.name}."))
        spec = {"path": function.path, "handler": function.handler, "function_name": function.name,
                "memory_mb": function.memory_mb, "timeout_s": function.timeout_s,
                "function_arn": f"arn:aws:lambda:{stage.region}:{stage.account}:function:{function.name}",
                "result": str(self.folder / "result.json"), "marker": MARKER}
        (self.folder / "spec.json").write_text(json.dumps(spec))
        self.stderr = (self.folder / "stderr").open("w")
        self.process = subprocess.Popen(
            [PYTHON, "-I", "-S", str(CHILD), str(self.folder / "spec.json")], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.stderr, text=True, cwd=self.folder,
            env=lambda_environment(function, stage))
        self.logs: list[str] = []

    def __call__(self, event: dict) -> dict:
        self.process.stdin.write(json.dumps(event) + "\n")
        self.process.stdin.flush()
        for line in self.process.stdout:
            if line.startswith(MARKER):
                return json.loads(line[len(MARKER):])
            self.logs.append(line)
        raise AssertionError(f"{self.function.name} died: {self.failure()}")

    def failure(self) -> str:
        self.stderr.flush()
        return (self.folder / "stderr").read_text()[-4000:]

    def finish(self) -> dict:
        self.process.stdin.close()
        self.logs.extend(self.process.stdout.readlines())
        code = self.process.wait(timeout=120)
        self.stderr.close()
        if code != 0:
            raise AssertionError(f"{self.function.name} exited with {code}: {self.failure()}")
        return json.loads((self.folder / "result.json").read_text())
