"""python -m local.simulator [--port 8090]"""

from __future__ import annotations

import argparse

import uvicorn


def main() -> None:
    parser = argparse.ArgumentParser(description="Local LLM provider simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    uvicorn.run("local.simulator.app:app", host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
