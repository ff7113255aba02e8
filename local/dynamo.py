"""A local DynamoDB: moto behind a lean HTTP server on 127.0.0.1, tables created from
template.yaml's own definitions.

moto's threaded server lets two requests interleave inside one conditional update, which
real DynamoDB never does (each item write is atomic). The server here (``dynamo_server``)
handles one request at a time, so conditional writes are exactly as atomic locally as they
are on AWS. The local stack runs it in a process of its own; tests and tools that reach
into moto's backend directly run it on a thread of their own process.
"""

from __future__ import annotations

import atexit
import subprocess
import sys
from typing import Any

from local.template import ROOT, Template

LOCAL_TABLE_PREFIX = "gateway-local-"


def start_server(host: str = "127.0.0.1", port: int = 0, *, process: bool = False) -> tuple[str, Any]:
    """Start the local DynamoDB; returns its URL and a handle with ``shutdown()``.

    ``process=True`` runs it in a child process (its own core and GIL), which exits with
    this one; otherwise on a daemon thread here, sharing moto's backend with this process.
    """
    if process:
        child = _Child(host, port)
        return child.url, child
    from local.dynamo_server import Server

    server = Server(host, port).start()
    return server.url, server


class _Child:
    def __init__(self, host: str, port: int) -> None:
        import os

        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "local.dynamo_server",
                "--host",
                host,
                "--port",
                str(port),
                "--parent-pid",
                str(os.getpid()),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("READY "):
            self.proc.kill()
            raise RuntimeError(f"the local DynamoDB did not start (exit {self.proc.wait()})")
        self.url = line.removeprefix("READY ")
        atexit.register(self.shutdown)

    def shutdown(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def table_names(template: Template) -> dict[str, str]:
    return {logical_id: LOCAL_TABLE_PREFIX + logical_id for logical_id in template.tables()}


def create_tables(template: Template, endpoint_url: str, region: str = "us-east-1") -> dict[str, str]:
    """Create every table of the template that does not exist yet; returns logical id -> name."""
    import boto3

    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    existing = set(client.list_tables().get("TableNames", []))
    names = table_names(template)
    for logical_id, props in template.tables().items():
        name = names[logical_id]
        if name in existing:
            continue
        kwargs: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if props.get("GlobalSecondaryIndexes"):
            kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        client.create_table(**kwargs)
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
    return names
