from __future__ import annotations

from gateway.catalog.models import get_catalog
from gateway.catalog.servable import servable_models, unservable_reason
from gateway.settings import from_env


def test_retired_models_are_never_servable_even_with_every_key() -> None:
    catalog = get_catalog()
    env = {f"{p.upper()}_API_KEY": "k" for p in catalog.providers} | {"AWS_ACCESS_KEY_ID": "x"}
    served = {m.id for m in servable_models(catalog, from_env(env))}
    assert "gpt-4o" in served and "gpt-4-1106-preview" not in served
    reason = unservable_reason(catalog.model("gpt-4-1106-preview"), catalog, from_env(env))
    assert reason is not None and "retired" in reason


def test_a_model_is_servable_only_through_a_provider_with_credentials() -> None:
    catalog = get_catalog()
    served = {m.id for m in servable_models(catalog, from_env({"GEMINI_API_KEY": "k"}))}
    assert "gemini-2.0-flash" in served and "gpt-4o" not in served
    assert servable_models(catalog, from_env({})) == []


def test_bedrock_signs_with_iam_so_aws_credentials_make_it_reachable() -> None:
    catalog = get_catalog()
    nova = catalog.model("amazon.nova-micro-v1:0")
    assert unservable_reason(nova, catalog, from_env({})) is not None
    assert unservable_reason(nova, catalog, from_env({"AWS_ACCESS_KEY_ID": "AKIA"})) is None
