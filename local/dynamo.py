"""A local DynamoDB: moto's server on 127.0.0.1, tables created from template.yaml's own definitions.

moto's threaded server lets two requests interleave inside one conditional update, which
real DynamoDB never does (each item write is atomic). The server here handles one request
at a time, so conditional writes are exactly as atomic locally as they are on AWS.
"""

from __future__ import annotations

import threading
from typing import Any

from local.template import Template

LOCAL_TABLE_PREFIX = "gateway-local-"


def start_server(host: str = "127.0.0.1", port: int = 0) -> tuple[str, Any]:
    from moto.server import DomainDispatcherApplication, create_backend_app
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from local import moto_patch

    moto_patch.install()
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(host, port, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, name="moto-dynamodb", daemon=True)
    thread.start()
    return f"http://{host}:{server.server_port}", server


def table_names(template: Template) -> dict[str, str]:
    return {logical_id: LOCAL_TABLE_PREFIX + logical_id for logical_id in template.tables()}


def create_tables(template: Template, endpoint_url: str, region: str = "us-east-1") -> dict[str, str]:
    """Create every table of the template that does not exist yet; returns logical id -> name."""
    import boto3

    client = boto3.client(
        "dynamodb", endpoint_url=endpoint_url, region_name=region,
        aws_access_key_id="local", aws_secret_access_key="local",
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
                TableName=name, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True}
            )
    return names
