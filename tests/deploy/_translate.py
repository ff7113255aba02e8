"""Run by the SAM CLI's own Python (.tools/sam): the built SAM template -> the CloudFormation that
`sam deploy` would submit, as JSON on stdout. Local code paths become placeholder S3 URIs (the
transform wants S3; the built folders are checked on disk by the tests)."""

import json
import sys

from samcli.yamlhelper import yaml_parse
from samtranslator.translator.transform import transform


class _NoManagedPolicies:
    def load(self) -> dict:
        return {}


def main(path: str, out: str) -> None:
    with open(path) as f:
        template = yaml_parse(f.read())
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        for k in ("CodeUri", "ContentUri"):
            if isinstance(props.get(k), str) and not props[k].startswith("s3://"):
                props[k] = f"s3://artifacts/{logical_id}"
    with open(out, "w") as f:
        json.dump(transform(template, {}, _NoManagedPolicies()), f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
