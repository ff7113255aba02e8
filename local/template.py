"""Read template.yaml the way SAM does, for the local stack: functions, their API routes and
environment, and the DynamoDB tables, so nothing here lists them a second time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


# libyaml's parser where PyYAML was built with it: the template is ~2,000 lines, 90 ms to parse in
# pure Python (the local stack's start, each test's fresh tables), a tenth of that in C.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CfnLoader(_SafeLoader):  # type: ignore[valid-type,misc]  # chosen at import: C or pure Python
    """Keeps CloudFormation's short-form tags (!Ref, !Sub, !GetAtt, ...) as {"Fn": value}."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


@dataclass(frozen=True)
class Route:
    function: str
    method: str
    path: str
    """API Gateway path template, e.g. /v1/models/{model+}."""

    def regex(self) -> re.Pattern[str]:
        pattern = re.sub(r"\{(\w+)\+\}", r"(?P<\1>.+)", self.path)
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
        return re.compile(f"^{pattern}$")


@dataclass(frozen=True)
class Function:
    logical_id: str
    code_uri: Path
    handler: str
    streaming: bool
    """Runs under the Lambda Web Adapter (an ASGI app in app.py) rather than a Mangum handler."""
    environment: dict[str, Any]
    routes: tuple[Route, ...]
    schedules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Template:
    raw: dict[str, Any]

    @property
    def resources(self) -> dict[str, Any]:
        return self.raw["Resources"]

    def tables(self) -> dict[str, dict[str, Any]]:
        return {k: v["Properties"] for k, v in self.resources.items() if v["Type"] == "AWS::DynamoDB::Table"}

    def resolve(self, value: Any, names: dict[str, str]) -> Any:
        """Resolve the intrinsics local code needs (!Ref to a resource or parameter default)."""
        if isinstance(value, dict) and "Ref" in value:
            ref = value["Ref"]
            if ref in names:
                return names[ref]
            param = self.raw.get("Parameters", {}).get(ref)
            return str(param.get("Default")) if param else ref
        if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
            return re.sub(
                r"\$\{(\w+)\}", lambda m: str(self.resolve({"Ref": m.group(1)}, names)), value["Fn::Sub"]
            )
        return value

    def is_parameter(self, value: Any) -> bool:
        """Whether a value comes from a template parameter (which a local environment may override)."""
        ref = value.get("Ref") if isinstance(value, dict) else None
        return ref in self.raw.get("Parameters", {})

    def functions(self) -> list[Function]:
        globals_env = (
            self.raw.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
        )
        out = []
        for logical_id, res in self.resources.items():
            if res["Type"] != "AWS::Serverless::Function":
                continue
            props = res["Properties"]
            env = {**globals_env, **props.get("Environment", {}).get("Variables", {})}
            routes, schedules = [], []
            for event in (props.get("Events") or {}).values():
                if event["Type"] == "Api":
                    p = event["Properties"]
                    routes.append(Route(logical_id, p["Method"].upper(), p["Path"]))
                elif event["Type"] == "Schedule":
                    schedules.append(event["Properties"]["Schedule"])
            out.append(
                Function(
                    logical_id=logical_id,
                    code_uri=ROOT / props["CodeUri"],
                    handler=props["Handler"],
                    streaming=props["Handler"].endswith(".sh"),
                    environment=env,
                    routes=tuple(routes),
                    schedules=tuple(schedules),
                )
            )
        return out

    def function(self, logical_id: str) -> Function:
        for f in self.functions():
            if f.logical_id == logical_id:
                return f
        known = ", ".join(f.logical_id for f in self.functions())
        raise SystemExit(f"no function {logical_id!r} in template.yaml (functions: {known})")


def load(path: Path = TEMPLATE) -> Template:
    return Template(yaml.load(path.read_text(), Loader=_CfnLoader))
