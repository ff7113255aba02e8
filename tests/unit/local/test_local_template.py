"""The local stack reads its routes and tables from template.yaml, never a second copy."""

from local.template import load


def test_every_api_event_becomes_a_route():
    tpl = load()
    routes = {(r.method, r.path) for f in tpl.functions() for r in f.routes}
    raw = tpl.raw["Resources"]
    declared = {
        (e["Properties"]["Method"].upper(), e["Properties"]["Path"])
        for res in raw.values()
        if res["Type"] == "AWS::Serverless::Function"
        for e in (res["Properties"].get("Events") or {}).values()
        if e["Type"] == "Api"
    }
    assert routes == declared
    assert ("POST", "/v1/chat/completions") in routes


def test_streaming_functions_are_the_web_adapter_ones():
    tpl = load()
    for f in tpl.functions():
        assert f.streaming == (f.environment.get("AWS_LWA_INVOKE_MODE") == "response_stream")


def test_path_templates_match_like_api_gateway():
    tpl = load()
    models = next(r for f in tpl.functions() for r in f.routes if r.path == "/v1/models/{model+}")
    m = models.regex().match("/v1/models/openai/gpt-4o")
    assert m and m.group("model") == "openai/gpt-4o"


def test_tables_come_from_the_template():
    tables = load().tables()
    assert {"KeysTable", "UsageTable"} <= set(tables)
    assert tables["UsageTable"]["TimeToLiveSpecification"]["AttributeName"] == "expires_at"
