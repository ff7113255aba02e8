import pytest

from gateway.catalog.models import get_catalog
from gateway.catalog.params import fit
from gateway.catalog.targets import resolve
from gateway.errors import UnsupportedParamError
from gateway.schemas import ChatCompletionRequest
from gateway.settings import get_settings


def _target(params: list[str]):
    t = resolve(get_catalog(), get_settings(), "gpt-4o-mini")[0]
    provider = t.provider.model_copy(update={"params": params})
    return type(t)(provider=provider, model=t.model, served=t.served, settings=t.settings, pricing=t.pricing)


def _req(**kw):
    return ChatCompletionRequest(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], **kw)


def test_accepted_params_pass_untouched():
    req = _req(temperature=0.5, max_tokens=10)
    assert fit(req, _target(["temperature", "max_tokens"]), drop=False) == (req, [])


def test_unsupported_param_is_a_400_naming_it():
    with pytest.raises(UnsupportedParamError) as exc:
        fit(_req(temperature=0.5, seed=3), _target(["temperature"]), drop=False)
    assert exc.value.param == "seed" and exc.value.status == 400


def test_drop_params_drops_and_reports():
    fitted, dropped = fit(
        _req(temperature=0.5, seed=3, logit_bias={"1": 2}), _target(["temperature"]), drop=True
    )
    assert dropped == ["logit_bias", "seed"]
    assert fitted.seed is None and fitted.temperature == 0.5


def test_n_above_one_needs_n():
    with pytest.raises(UnsupportedParamError) as exc:
        fit(_req(n=2), _target(["temperature"]), drop=False)
    assert exc.value.param == "n"
