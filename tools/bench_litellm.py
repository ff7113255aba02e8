"""LiteLLM's proxy as a side-by-side baseline for ``make bench``; never a dependency of the product.

It is installed into a throwaway virtualenv of its own (``.bench/litellm-venv``, gitignored),
pinned, and started with one worker, no database and a master key (LiteLLM refuses to start
without one), its one model pointed at the same provider simulator the gateway uses. The
bench then sends both the same requests with the same client, interleaved.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
VERSION = "1.106.2"
VENV = ROOT / ".bench" / "litellm-venv"
MASTER_KEY = "sk-bench-local-0123456789abcdef"


def _installed(python: Path) -> str | None:
    if not python.exists():
        return None
    out = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() if out.returncode == 0 else None


def install() -> tuple[Path | None, str]:
    """The venv's ``litellm`` executable (installing it once), or None and why not."""
    python, exe = VENV / "bin" / "python", VENV / "bin" / "litellm"
    if _installed(python) == VERSION and exe.exists():
        return exe, f"litellm {VERSION} (already installed in {VENV.relative_to(ROOT)})"
    print(
        f"Installing litellm[proxy]=={VERSION} into {VENV.relative_to(ROOT)} (once) ...",
        file=sys.stderr,
        flush=True,
    )
    try:
        if not python.exists():
            subprocess.run(
                [sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True, text=True
            )
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                f"litellm[proxy]=={VERSION}",
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=900,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        return None, f"litellm[proxy]=={VERSION} could not be installed: {detail.strip().splitlines()[-1:]}"
    if _installed(python) != VERSION or not exe.exists():
        return None, f"litellm[proxy]=={VERSION} did not install a usable proxy"
    return exe, f"litellm {VERSION} (installed into {VENV.relative_to(ROOT)})"


class Proxy:
    """LiteLLM's proxy on ``port``: one worker, no database, the simulator's OpenAI route."""

    def __init__(self, exe: Path, simulator_url: str, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.headers = {"authorization": f"Bearer {MASTER_KEY}"}
        self._dir = tempfile.TemporaryDirectory(prefix="bench-litellm-")
        config = Path(self._dir.name) / "config.yaml"
        config.write_text(
            "model_list:\n"
            "  - model_name: gpt-4o-mini\n"
            "    litellm_params:\n"
            "      model: openai/gpt-4o-mini\n"
            f"      api_base: {simulator_url}/openai/v1\n"
            "      api_key: sim-key\n"
            "litellm_settings:\n"
            "  telemetry: false\n"
        )
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.endswith(("_API_KEY", "_BASE_URL")) and k != "DATABASE_URL"
        }
        env.update(
            {
                "LITELLM_MASTER_KEY": MASTER_KEY,
                "LITELLM_LOCAL_MODEL_COST_MAP": "True",
                "LITELLM_LOG": "ERROR",
                "LITELLM_TELEMETRY": "False",
            }
        )
        self._log = open(Path(self._dir.name) / "litellm.log", "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                str(exe),
                "--config",
                str(config),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--num_workers",
                "1",
            ],
            cwd=self._dir.name,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"litellm exited with {self.proc.returncode}: "
                    + (Path(self._dir.name) / "litellm.log").read_text()[-2000:]
                )
            try:
                if httpx.get(self.url + "/health/liveliness", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise RuntimeError("litellm did not come up")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()
        self._dir.cleanup()
