"""The cold start of the chat function: a fresh interpreter imports its app and serves its first
event in process (store included), repeated, medians; older trees side by side on request."""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


_COLD = r"""
import asyncio, json, sys, time
t0 = time.perf_counter()
sys.path[:0] = [{pkg!r}, {fn!r}]
import app
t1 = time.perf_counter()
import httpx
async def first():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app.app), base_url="http://lambda") as c:
        r = await c.post("/v1/chat/completions", json={body!r}, headers={{"x-api-key": {key!r}}})
        assert r.status_code == 200, r.text
asyncio.run(first())
t2 = time.perf_counter()
print(json.dumps({{"import_ms": (t1 - t0) * 1000, "first_event_ms": (t2 - t1) * 1000, "total_ms": (t2 - t0) * 1000}}))
"""


def _lambda_python() -> str | None:
    """The Lambda runtime's Python (template: python3.13) where this machine has it."""
    import glob

    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.13.*/bin/python3.13")))
    return found[-1] if found else shutil.which("python3.13")


def _tree_at(rev: str) -> Path:
    """The package and the functions as of ``rev`` (``git archive``) in a temporary folder."""
    tree = Path(tempfile.mkdtemp(prefix="cold-start-"))
    archive = subprocess.run(
        ["git", "archive", rev, "shared", "functions"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def cold_start(
    env: dict[str, str], key: str, body: dict, runs: int = 7, against: tuple[str, ...] = ()
) -> dict:
    """Median cold start, two ways: the built GatewayLayer under the runtime's Python (as
    deployed: layer bytecode, Lambda wheels), when ``sam build`` has run and python3.13 is
    here; and the development virtualenv, always. ``against``: git revisions whose package
    and chat function are timed the same way in the development virtualenv, interleaved run
    by run with this tree, so drift on a shared machine hits all alike."""
    fn = "functions/chat_completions"
    setups = {"dev_venv": (sys.executable, ROOT)}
    for rev in against:
        setups[f"dev_venv@{rev}"] = (sys.executable, _tree_at(rev))
    # Every tree with its bytecode compiled, as the layer ships it (-B below writes nothing).
    for _, tree in setups.values():
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(tree / "shared"), str(tree / fn)],
            capture_output=True,
            check=True,
        )
    layer = ROOT / ".aws-sam" / "build" / "GatewayLayer" / "python"
    py313 = _lambda_python()
    # The layer is built for Lambda's arm64: on another machine its binaries do not load.
    same_arch = any(layer.glob(f"pydantic_core/*{platform.machine()}*.so"))
    codes = {
        name: (python, _COLD.format(pkg=str(tree / "shared"), fn=str(tree / fn), body=body, key=key))
        for name, (python, tree) in setups.items()
    }
    if layer.is_dir() and py313 and same_arch:
        codes["built_layer_python3.13"] = (
            py313,
            _COLD.format(pkg=str(layer), fn=str(ROOT / fn), body=body, key=key),
        )
    samples: dict[str, list[dict]] = {name: [] for name in codes}
    for _ in range(runs):
        for name, (python, code) in codes.items():
            # -B: nothing written, so every run reads exactly what the tree ships.
            run = subprocess.run(
                [python, "-B", "-c", code], env=env, capture_output=True, text=True, check=True
            )
            samples[name].append(json.loads(run.stdout.strip().splitlines()[-1]))
    for name, (_, tree) in setups.items():
        if name != "dev_venv":
            shutil.rmtree(tree, ignore_errors=True)
    out: dict = {"runs": runs}
    for name, xs in samples.items():
        out[name] = {
            k: round(statistics.median(x[k] for x in xs), 1)
            for k in ("import_ms", "first_event_ms", "total_ms")
        }
    return out
