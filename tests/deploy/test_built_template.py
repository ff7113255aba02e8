"""The built template, as CloudFormation would receive it, has the properties issue 11 asks for:
long streams and short buffered calls, arm64, least privilege, secrets from parameters, alarms,
safe rollouts, retention, tracing. Each test reads what SAM generated, not what we wrote."""

from __future__ import annotations

import ast
import fnmatch
import json
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What each function may do to DynamoDB: (table or index) -> actions. The request path never
# scans, deletes or batch-writes; only the scheduled builder batch-writes its reports.
COMPLETION = {"KeysTable": {"GetItem", "BatchGetItem", "UpdateItem"}, "UsageTable": {"PutItem", "UpdateItem"}}
DYNAMODB = {
    "ChatCompletionsFunction": COMPLETION,
    "CompletionsFunction": COMPLETION,
    "RouterFunction": COMPLETION,
    "ResponsesFunction": {
        "KeysTable": {"GetItem", "BatchGetItem", "PutItem", "UpdateItem"},
        "UsageTable": {"PutItem", "UpdateItem"},
    },
    "EmbeddingsFunction": COMPLETION,
    "ImagesFunction": COMPLETION,
    "AudioTranscriptionsFunction": COMPLETION,
    "PublicModelsFunction": {},
    "ModelsFunction": {"KeysTable": {"GetItem", "BatchGetItem"}},
    "ProvidersFunction": {"KeysTable": {"GetItem", "BatchGetItem"}},
    "RouterProfilesFunction": {"KeysTable": {"GetItem"}},
    "ReportFunction": {
        "KeysTable": {"GetItem"},
        "UsageTable": {"GetItem", "Query", "BatchGetItem", "PutItem"},
    },
    "KeysFunction": {
        "KeysTable": {"GetItem", "BatchGetItem", "PutItem", "UpdateItem"},
        "KeysTable/index/by_kind": {"Query"},
    },
    "WalletFunction": {"KeysTable": {"GetItem", "PutItem", "UpdateItem"}},
    "PersonalitiesFunction": {
        "KeysTable": {"GetItem", "PutItem", "UpdateItem"},
        "KeysTable/index/by_kind": {"Query"},
    },
    "ReportBuilderFunction": {"UsageTable": {"Query", "BatchGetItem", "BatchWriteItem", "PutItem"}},
}
# The store's operations (store/dynamo.call) and the IAM actions they need; a transaction needs
# the action of each item it holds (Put, Update here), checked by the matrix above.
STORE_OPERATIONS = {
    "get_item": "GetItem",
    "batch_get_item": "BatchGetItem",
    "put_item": "PutItem",
    "update_item": "UpdateItem",
    "query": "Query",
    "batch_write_item": "BatchWriteItem",
    "transact_write_items": None,
}
SELF_SERVE = {
    "SELF_SERVE_ENABLED": "true",
    "FREE_TIER_REQUESTS": "1000",
    "FREE_TIER_MODELS": "cheap",
    "NEW_KEY_DAILY_BUDGET_USD": "1",
    "NEW_KEY_RPM": "60",
    "FREE_TIER_DAILY_CAP_USD": "25",
}


def _of_type(cfn: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in cfn["Resources"].items() if v["Type"] == kind}


def _functions(cfn: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in _of_type(cfn, "AWS::Lambda::Function").items()}


def _env(props: dict[str, Any]) -> dict[str, Any]:
    return props.get("Environment", {}).get("Variables", {})


def _streaming(cfn: dict[str, Any]) -> set[str]:
    return {k for k, p in _functions(cfn).items() if _env(p).get("AWS_LWA_INVOKE_MODE") == "response_stream"}


def _integrations(cfn: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Function logical id -> the API integrations that invoke it."""
    (api,) = _of_type(cfn, "AWS::ApiGateway::RestApi").values()
    out: dict[str, list[dict[str, Any]]] = {}
    for methods in api["Properties"]["Body"]["paths"].values():
        for op in methods.values():
            integ = op["x-amazon-apigateway-integration"]
            fn = re.search(r"\$\{(\w+)Aliaslive\}", integ["uri"]["Fn::Sub"])
            assert fn, f"integration not through the alias: {integ['uri']}"
            out.setdefault(fn.group(1), []).append(integ)
    return out


def _statements(cfn: dict[str, Any], function: str) -> list[dict[str, Any]]:
    role_id = _functions(cfn)[function]["Role"]["Fn::GetAtt"][0]
    role = cfn["Resources"][role_id]["Properties"]
    return [s for p in role.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]


def _table_key(resource: Any) -> str:
    if resource == {"Fn::GetAtt": ["KeysTable", "Arn"]}:
        return "KeysTable"
    if resource == {"Fn::GetAtt": ["UsageTable", "Arn"]}:
        return "UsageTable"
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        m = re.fullmatch(r"\$\{(\w+)\.Arn\}(/index/\w+)", resource["Fn::Sub"])
        if m:
            return m.group(1) + m.group(2)
    raise AssertionError(f"DynamoDB resource is not one of the gateway's tables or indexes: {resource}")


def _dynamodb_grants(cfn: dict[str, Any], function: str) -> dict[str, set[str]]:
    grants: dict[str, set[str]] = {}
    for s in _statements(cfn, function):
        actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
        dyn = {a.split(":", 1)[1] for a in actions if a.startswith("dynamodb:")}
        if not dyn:
            continue
        assert s["Effect"] == "Allow" and not any("*" in a for a in dyn), (function, s)
        resources = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
        for r in resources:
            grants.setdefault(_table_key(r), set()).update(dyn)
    return grants


def test_each_function_has_only_the_dynamodb_actions_it_calls_on_only_its_tables(cfn):
    assert set(_functions(cfn)) == set(DYNAMODB)
    for function, expected in DYNAMODB.items():
        assert _dynamodb_grants(cfn, function) == expected, function
        role_id = _functions(cfn)[function]["Role"]["Fn::GetAtt"][0]
        managed = cfn["Resources"][role_id]["Properties"].get("ManagedPolicyArns", [])
        assert not [m for m in managed if "DynamoDB" in json.dumps(m)], function


def test_the_request_path_never_scans_deletes_or_batch_writes(cfn):
    for function in _integrations(cfn):
        granted = set().union(*_dynamodb_grants(cfn, function).values())
        assert not granted & {"Scan", "DeleteItem", "BatchWriteItem", "DeleteTable", "UpdateTable"}, function


def test_every_store_operation_in_the_code_is_known_to_the_policy_matrix():
    """A new DynamoDB operation in the code must be granted in template.yaml (and listed above)."""
    ops: set[str] = set()
    item_kinds: set[str] = set()
    for path in (ROOT / "shared" / "gateway").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "call" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    ops.add(first.value)
            if isinstance(node, ast.Dict):
                item_kinds.update(
                    k.value
                    for k in node.keys
                    if isinstance(k, ast.Constant) and k.value in {"Delete", "ConditionCheck"}
                )
    assert ops, "found no store calls: the scan is broken"
    assert ops <= set(STORE_OPERATIONS), f"grant these in template.yaml first: {ops - set(STORE_OPERATIONS)}"
    assert not item_kinds, f"transactions now {item_kinds}: grant DeleteItem/ConditionCheckItem where used"


def test_streams_run_fifteen_minutes_and_buffered_calls_stay_short(cfn):
    functions, integrations, streaming = _functions(cfn), _integrations(cfn), _streaming(cfn)
    assert streaming == {
        "ChatCompletionsFunction",
        "CompletionsFunction",
        "RouterFunction",
        "ResponsesFunction",
    }
    for name, props in functions.items():
        assert _env(props)["FUNCTION_TIMEOUT_S"] == str(props["Timeout"]), name
    for name, integs in integrations.items():
        timeout = functions[name]["Timeout"]
        for integ in integs:
            if name in streaming:
                assert timeout == 900 and integ["timeoutInMillis"] == timeout * 1000, name
                assert integ["responseTransferMode"] == "STREAM", name
                assert integ["uri"]["Fn::Sub"].endswith("/response-streaming-invocations"), name
            else:
                assert timeout <= 29 and integ.get("responseTransferMode", "BUFFERED") == "BUFFERED", name


# Peak RSS measured by tools/rss.py (docs/BENCHMARKS.md), MB: the completion functions with a
# 4 MiB prompt routed by model "auto", the others serving their sample events.
PEAK_RSS_MB = {"completion": 148, "other": 83}


def _memory(cfn: dict[str, Any], props: dict[str, Any]) -> int:
    m = props["MemorySize"]
    return int(cfn["Parameters"][m["Ref"]]["Default"]) if isinstance(m, dict) else int(m)


def test_memory_is_sized_from_measured_peak_rss(cfn):
    for name, props in _functions(cfn).items():
        peak = PEAK_RSS_MB["completion" if name in _streaming(cfn) else "other"]
        memory = _memory(cfn, props)
        assert memory >= 1.5 * peak, name  # the Web Adapter and the runtime live there too
        if name in _integrations(cfn):
            assert memory <= 512, name  # billed for every millisecond a stream waits


def test_everything_runs_on_arm64_with_the_arm64_web_adapter(cfn):
    for name, props in _functions(cfn).items():
        assert props["Architectures"] == ["arm64"], name
        adapters = [
            json.dumps(layer)
            for layer in props.get("Layers", [])
            if "LambdaAdapterLayer" in json.dumps(layer)
        ]
        if name in _streaming(cfn):
            assert len(adapters) == 1 and "LambdaAdapterLayerArm64" in adapters[0], name
        else:
            assert not adapters, name
    for name, layer in _of_type(cfn, "AWS::Lambda::LayerVersion").items():
        assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"], name


def _elf_machine(path: Path) -> int:
    head = path.read_bytes()[:20]
    assert head[:4] == b"\x7fELF", path
    return int.from_bytes(head[18:20], "little")


def test_the_built_layers_hold_aarch64_binaries_and_the_router_data(build_dir):
    shared_objects = [p for p in build_dir.glob("*Layer/python/**/*.so*") if p.is_file()]
    assert len(shared_objects) > 10
    wrong = [str(p.relative_to(build_dir)) for p in shared_objects if _elf_machine(p) != 183]  # EM_AARCH64
    assert not wrong, wrong[:5]
    wordllama = build_dir / "RoutingLayer" / "python" / "wordllama"
    assert (wordllama / "weights" / "l2_supercat_256.safetensors").is_file()
    assert (wordllama / "tokenizers" / "l2_supercat_tokenizer_config.json").is_file()
    assert not list(wordllama.rglob("*.so")) and not (wordllama / "algorithms").exists()


def test_every_provider_key_is_read_from_a_parameter_and_none_is_in_plain_text(cfn):
    from gateway.catalog.models import get_catalog

    params = cfn["Parameters"]
    keyed = [p.id.upper() for p in get_catalog().providers.values() if p.adapter != "bedrock"]
    assert keyed
    for name, props in _functions(cfn).items():
        env = _env(props)
        assert not [k for k in env if k.endswith(("_API_KEY", "_SECRET", "_PASSWORD", "_TOKEN"))], name
        if name not in _streaming(cfn):
            continue
        readable = json.dumps(
            [s["Resource"] for s in _statements(cfn, name) if "ssm:GetParameter" in s["Action"]]
        )
        for provider in keyed:
            ref = env[f"{provider}_API_KEY_PARAM"]
            assert set(ref) == {"Ref"} and ref["Ref"] in params, (name, provider)
            assert "parameter${" + ref["Ref"] + "}" in readable, (name, provider)


def test_bedrock_is_limited_to_the_configured_models(cfn):
    from gateway.catalog.models import get_catalog

    default = cfn["Parameters"]["BedrockResourceArns"]["Default"].split(",")
    for name in _streaming(cfn):
        bedrock = [s for s in _statements(cfn, name) if any(a.startswith("bedrock:") for a in s["Action"])]
        assert bedrock and all(s["Resource"] == {"Ref": "BedrockResourceArns"} for s in bedrock), name
    assert all(
        arn.startswith("arn:aws:bedrock:") and "/" in arn and not arn.endswith("/*") for arn in default
    )
    served = {s.model for m in get_catalog().models for s in m.providers if s.provider == "bedrock"}
    for model in served:
        profile = model.split(".")[0] in {"us", "eu", "apac", "global"}
        arn = f"arn:aws:bedrock:us-east-1:{'123456789012:inference-profile' if profile else ':foundation-model'}/{model}"
        assert any(fnmatch.fnmatchcase(arn, a) for a in default), model


def test_self_serve_defaults_reach_the_keys_and_completion_functions(cfn):
    params = cfn["Parameters"]
    for name in {"KeysFunction"} | _streaming(cfn):
        env = _env(_functions(cfn)[name])
        for var, default in SELF_SERVE.items():
            assert set(env[var]) == {"Ref"}, (name, var)
            assert str(params[env[var]["Ref"]]["Default"]) == default, (name, var)


def _alarm_metrics(alarm: dict[str, Any]) -> set[str]:
    props = alarm["Properties"]
    names = {props["MetricName"]} if "MetricName" in props else set()
    names |= {m["MetricStat"]["Metric"]["MetricName"] for m in props.get("Metrics", []) if "MetricStat" in m}
    return names


def test_alarms_watch_money_errors_latency_reports_throttling_and_free_tier_spend(cfn):
    alarms = _of_type(cfn, "AWS::CloudWatch::Alarm")
    watched = set().union(*(_alarm_metrics(a) for a in alarms.values()))
    assert watched >= {
        "UnsettledRequests",
        "5XXError",
        "Latency",
        "Errors",
        "ApproximateNumberOfMessagesVisible",
        "ReadThrottleEvents",
        "WriteThrottleEvents",
        "FreeTierSpendUsd",
    }
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"], name
    (latency,) = [a for a in alarms.values() if "Latency" in _alarm_metrics(a)]
    assert latency["Properties"]["ExtendedStatistic"] == "p99"


def test_every_function_rolls_out_gradually_behind_an_alias_with_alarms_as_rollback(cfn):
    groups = _of_type(cfn, "AWS::CodeDeploy::DeploymentGroup")
    aliases = _of_type(cfn, "AWS::Lambda::Alias")
    alarms = set(_of_type(cfn, "AWS::CloudWatch::Alarm"))
    for name in _functions(cfn):
        assert f"{name}Aliaslive" in aliases, name
        props = groups[f"{name}DeploymentGroup"]["Properties"]
        assert props["AutoRollbackConfiguration"]["Enabled"], name
        assert "DEPLOYMENT_STOP_ON_ALARM" in props["AutoRollbackConfiguration"]["Events"], name
        configured = {a["Name"]["Ref"] for a in props["AlarmConfiguration"]["Alarms"]}
        assert props["AlarmConfiguration"]["Enabled"] and configured and configured <= alarms, name
        assert "Canary" in json.dumps(props["DeploymentConfigName"]), name


def test_the_report_builder_retries_then_dead_letters_and_is_alarmed(cfn):
    (config,) = _of_type(cfn, "AWS::Lambda::EventInvokeConfig").values()
    props = config["Properties"]
    assert (
        props["FunctionName"] == {"Ref": "ReportBuilderFunction"} and 0 < props["MaximumRetryAttempts"] <= 2
    )
    dlq = {"Fn::GetAtt": ["ReportBuilderDLQ", "Arn"]}
    assert props["DestinationConfig"]["OnFailure"]["Destination"] == dlq
    (rule,) = _of_type(cfn, "AWS::Events::Rule").values()
    (target,) = rule["Properties"]["Targets"]
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0 and target["DeadLetterConfig"]["Arn"] == dlq
    may_send = [
        s for s in _statements(cfn, "ReportBuilderFunction") if "sqs:SendMessage" in json.dumps(s["Action"])
    ]
    assert may_send and json.dumps(dlq) in json.dumps(may_send)
    queues = [
        a
        for a in _of_type(cfn, "AWS::CloudWatch::Alarm").values()
        if "ApproximateNumberOfMessagesVisible" in _alarm_metrics(a)
    ]
    assert "ReportBuilderDLQ" in json.dumps(queues)


def test_tables_keep_point_in_time_recovery_and_deletion_protection(cfn):
    for name, table in _of_type(cfn, "AWS::DynamoDB::Table").items():
        props = table["Properties"]
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], name
        assert props["DeletionProtectionEnabled"] is True and table["DeletionPolicy"] == "Retain", name


def test_logs_are_kept_for_the_retention_parameter_traced_and_access_logged_as_json(cfn):
    groups = _of_type(cfn, "AWS::Logs::LogGroup")
    for name, props in _functions(cfn).items():
        group = props["LoggingConfig"]["LogGroup"]["Ref"]
        assert groups[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name
        assert props["TracingConfig"]["Mode"] == "Active", name
    (stage,) = _of_type(cfn, "AWS::ApiGateway::Stage").values()
    access = stage["Properties"]["AccessLogSetting"]
    assert set(json.loads(access["Format"])) >= {"requestId", "ip", "status", "resource", "responseLatency"}
    assert groups[access["DestinationArn"]["Fn::GetAtt"][0]]["Properties"]["RetentionInDays"] == {
        "Ref": "LogRetentionDays"
    }
    assert stage["Properties"]["TracingEnabled"] is True
    # access logs need the account's CloudWatch role first: the stage refers to it when created
    assert {"Ref": "ApiGatewayAccount"} in stage["Properties"]["Variables"]["logsRole"]["Fn::If"]
    (settings,) = stage["Properties"]["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ApiThrottlingBurstLimit"}


def test_snapstart_only_where_it_applies(cfn):
    assert cfn["Parameters"]["SnapStartApplyOn"]["Default"] == "PublishedVersions"
    for name, props in _functions(cfn).items():
        on_api = name in _integrations(cfn)
        if on_api and name not in _streaming(cfn):
            assert props["SnapStart"] == {"ApplyOn": {"Ref": "SnapStartApplyOn"}}, name
        else:
            assert "SnapStart" not in props, name  # the Web Adapter's process and the scheduled builder


def test_completion_concurrency_is_a_parameter_and_waf_is_optional_and_rate_limits_key_creation(cfn):
    for name in _streaming(cfn):
        reserved = _functions(cfn)[name]["ReservedConcurrentExecutions"]
        assert reserved["Fn::If"][0] == "ReserveCompletions", name
    assert cfn["Parameters"]["EnableWaf"]["Default"] == "false"
    (acl,) = _of_type(cfn, "AWS::WAFv2::WebACL").values()
    assert acl["Condition"] == "CreateWaf"
    rates = [
        r["Statement"]["RateBasedStatement"]
        for r in acl["Properties"]["Rules"]
        if "RateBasedStatement" in r["Statement"]
    ]
    assert rates and rates[0]["AggregateKeyType"] == "IP"
    # Every unauthenticated route is rate limited.
    assert any("/public/models" in json.dumps(r) for r in rates)
    scope = json.dumps(rates[0]["ScopeDownStatement"])
    assert "/v1/keys" in scope and "POST" in scope
    (assoc,) = _of_type(cfn, "AWS::WAFv2::WebACLAssociation").values()
    assert assoc["Condition"] == "CreateWaf"


def test_the_dashboard_covers_what_an_operator_watches(cfn):
    (dashboard,) = _of_type(cfn, "AWS::CloudWatch::Dashboard").values()
    body, _ = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    widgets = json.loads(re.sub(r"\$\{[\w:.]+\}", "x", body))["widgets"]
    text = json.dumps(widgets)
    for metric in (
        "Count",
        "5XXError",
        "Latency",
        "CostUsd",
        "Failovers",
        "UnsettledRequests",
        "WriteThrottleEvents",
        "ReportsBuilt",
    ):
        assert metric in text, metric
    assert any(w["type"] == "log" and "by status" in w["properties"]["query"] for w in widgets)


@pytest.mark.parametrize("name", ["ChatCompletionsFunction", "KeysFunction"])
def test_the_local_stack_reads_the_same_routes(cfn, name):
    """local/template.py serves what the template declares (it reads the source template)."""
    from local.template import load

    fn = load().function(name)
    integrations = _integrations(cfn)[name]
    assert len(fn.routes) == len(integrations)
