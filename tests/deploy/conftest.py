"""The built template (`sam build`'s .aws-sam/build/template.yaml) as CloudFormation: translated
once per run by the SAM CLI's own translator, as `sam deploy` would submit it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / ".aws-sam" / "build"
SAM_PYTHON = ROOT / ".tools" / "sam" / "bin" / "python"


@pytest.fixture(scope="session")
def build_dir() -> Path:
    if not (BUILD / "template.yaml").is_file() or not SAM_PYTHON.is_file():
        pytest.skip("no built template: `make build` (make test runs it first)")
    return BUILD


@pytest.fixture(scope="session")
def cfn(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("cfn") / "template.json"
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "SAM_CLI_TELEMETRY": "0"}
    subprocess.run(
        [
            str(SAM_PYTHON),
            str(Path(__file__).with_name("_translate.py")),
            str(build_dir / "template.yaml"),
            str(out),
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    template: dict[str, Any] = json.loads(out.read_text())
    return template
