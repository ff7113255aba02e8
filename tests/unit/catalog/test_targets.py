import pytest

from gateway.catalog.models import get_catalog
from gateway.catalog.targets import resolve, split_model
from gateway.errors import InvalidRequestError, ModelNotFoundError
from gateway.settings import get_settings


def test_plain_model_uses_catalog_order():
    targets = resolve(get_catalog(), get_settings(), "gpt-4o-mini")
    assert [t.provider_id for t in targets] == [
        s.provider for s in get_catalog().model("gpt-4o-mini").providers
    ]


def test_provider_prefix_pins_provider():
    model, pinned = split_model(get_catalog(), "openai/gpt-4o")
    assert model.id == "gpt-4o" and pinned == "openai"
    targets = resolve(get_catalog(), get_settings(), "openai/gpt-4o")
    assert {t.provider_id for t in targets} == {"openai"}


def test_provider_field_must_agree_with_prefix():
    with pytest.raises(InvalidRequestError) as exc:
        resolve(get_catalog(), get_settings(), "openai/gpt-4o", provider="nonexistent")
    assert exc.value.param == "provider"


def test_fallbacks_follow_primary_without_duplicates():
    targets = resolve(get_catalog(), get_settings(), "gpt-4o", fallbacks=["gpt-4o-mini", "gpt-4o"])
    models = [t.model.id for t in targets]
    assert models[0] == "gpt-4o" and "gpt-4o-mini" in models
    assert len({(t.provider_id, t.upstream_model) for t in targets}) == len(targets)


def test_unknown_fallback_names_its_position():
    with pytest.raises(ModelNotFoundError) as exc:
        resolve(get_catalog(), get_settings(), "gpt-4o", fallbacks=["nope"])
    assert exc.value.param == "fallbacks[0]"


def test_unknown_model_is_model_not_found():
    with pytest.raises(ModelNotFoundError) as exc:
        resolve(get_catalog(), get_settings(), "gpt-9")
    assert exc.value.status == 404 and "gpt-9" in exc.value.message
