"""Which (provider, model) pairs a request may be sent to, in failover order.

The model's own providers in catalog priority order, then each of the request's
``fallbacks`` models' providers. ``provider/model`` or the ``provider`` field pins the
first model to one provider (the Lunar seed).

A provider whose key lives in SSM or Secrets Manager (``<PROVIDER>_API_KEY_PARAM``) gets it
from ``identity.secretparams``, remembered per container. ``load_keys`` reads the keys that
are not fresh in a worker thread; awaited before ``resolve``, no fetch blocks the event loop
(without it, ``resolve`` fetches a missing key itself, blocking, at most once per max age).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from gateway.errors import InvalidRequestError, ModelNotFoundError

if TYPE_CHECKING:
    from gateway.catalog.models import Catalog, ModelInfo, Pricing, ProviderInfo, ServedBy
    from gateway.settings import ProviderSettings, Settings


@dataclass(frozen=True, slots=True)
class Target:
    """One place a request may be sent: a model as one provider serves it."""

    provider: ProviderInfo
    model: ModelInfo
    served: ServedBy
    settings: ProviderSettings
    pricing: Pricing

    @property
    def provider_id(self) -> str:
        return self.provider.id

    @property
    def upstream_model(self) -> str:
        return self.served.model


def split_model(catalog: Catalog, name: str) -> tuple[ModelInfo, str | None]:
    """The catalog model a name means, and the provider it pins, if any.

    A full id or alias wins over a prefix, since some ids contain a slash themselves
    (``openai/gpt-oss-120b`` is a Groq model id).
    """
    found = catalog.find(name)
    if found is not None:
        return found, None
    prefix, sep, rest = name.partition("/")
    if sep and prefix in catalog.providers:
        return catalog.model(rest), prefix
    return catalog.model(name), None


def _with_key(settings: ProviderSettings) -> ProviderSettings:
    if settings.api_key or not settings.api_key_param:
        return settings
    from gateway.identity.secretparams import provider_key

    return replace(settings, api_key=provider_key(settings.api_key_param))


async def load_keys(catalog: Catalog, settings: Settings) -> None:
    """Read every provider key kept in SSM or Secrets Manager that is not fresh, off the event loop."""
    from gateway.identity.secretparams import provider_key_async

    for info in catalog.providers.values():
        ps = settings.provider(info.id, info.base_url, info.api_key_env)
        if ps.api_key_param and not ps.api_key:
            await provider_key_async(ps.api_key_param)


def _require(model: ModelInfo, capability: str | None, param: str) -> None:
    if capability is not None and capability not in model.capabilities:
        raise InvalidRequestError(
            f"Model `{model.id}` does not serve {capability.replace('_', ' ')}; GET /public/models lists "
            f"the models with capability `{capability}`.",
            param=param,
            code="model_not_supported",
        )


def _targets_for(catalog: Catalog, settings: Settings, model: ModelInfo, pinned: str | None) -> list[Target]:
    served = model.providers
    if pinned is not None:
        served = [s for s in served if s.provider == pinned]
        if not served:
            raise InvalidRequestError(
                f"Model `{model.id}` is not served by provider `{pinned}`; it is served by "
                + ", ".join(f"`{s.provider}`" for s in model.providers)
                + ".",
                param="provider",
                code="provider_not_available",
            )
    out = []
    for s in served:
        info = catalog.providers[s.provider]
        if not info.enabled and pinned is None:
            continue
        out.append(
            Target(
                provider=info,
                model=model,
                served=s,
                settings=_with_key(settings.provider(info.id, info.base_url, info.api_key_env)),
                pricing=catalog.pricing(model, s),
            )
        )
    return out


def resolve(
    catalog: Catalog,
    settings: Settings,
    model_name: str,
    *,
    provider: str | None = None,
    fallbacks: list[str] | None = None,
    capability: str | None = None,
) -> list[Target]:
    """``capability`` (``embeddings``, ``images``, ``audio_transcription``): the model and each
    fallback must have it in the catalog, or the request is a 400 naming it."""
    model, pinned = split_model(catalog, model_name)
    _require(model, capability, "model")
    if provider is not None:
        if provider not in catalog.providers:
            raise InvalidRequestError(
                f"Unknown provider `{provider}`.", param="provider", code="unknown_provider"
            )
        if pinned is not None and pinned != provider:
            raise InvalidRequestError(
                f"The model names provider `{pinned}` but the request names `{provider}`.", param="provider"
            )
        pinned = provider
    targets = _targets_for(catalog, settings, model, pinned)
    seen = {(t.provider_id, t.upstream_model) for t in targets}
    for i, name in enumerate(fallbacks or ()):
        try:
            fb_model, fb_pinned = split_model(catalog, name)
        except ModelNotFoundError as exc:
            exc.param = f"fallbacks[{i}]"
            raise
        _require(fb_model, capability, f"fallbacks[{i}]")
        for t in _targets_for(catalog, settings, fb_model, fb_pinned):
            if (t.provider_id, t.upstream_model) not in seen:
                seen.add((t.provider_id, t.upstream_model))
                targets.append(t)
    if not targets:
        raise InvalidRequestError(
            f"No enabled provider serves `{model.id}`.", param="model", code="no_provider"
        )
    return targets
