"""Which catalog models can be served here and now: what the router may choose from.

A model is servable when it is not retired and at least one of its enabled providers is
reachable: the provider has an API key configured (``<PROVIDER>_API_KEY``, a parameter that
holds it, ``<PROVIDER>_API_KEY_PARAM``, or a named
deployment's ``api_key_env``; the local stack gives every simulated provider one), or it
signs with IAM (Bedrock) and AWS credentials are present. A model that is only
``deprecated`` is still servable: its provider still answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.catalog.models import Catalog, ModelInfo, ProviderInfo
    from gateway.settings import Settings

#: Adapters that authenticate with the AWS credential chain rather than an API key.
IAM_ADAPTERS = frozenset({"bedrock"})


def reachable(provider: ProviderInfo, settings: Settings) -> bool:
    """An enabled provider the gateway holds credentials for."""
    if not provider.enabled:
        return False
    configured = settings.provider(provider.id, provider.base_url, provider.api_key_env)
    if configured.api_key or configured.api_key_param:
        return True
    return provider.adapter in IAM_ADAPTERS and settings.routing.aws_credentials


def unservable_reason(model: ModelInfo, catalog: Catalog, settings: Settings) -> str | None:
    """None when ``model`` can be served; otherwise why not, in a sentence for an error message."""
    if model.status == "retired":
        return f"`{model.id}` is retired: its provider no longer serves it"
    if not any(reachable(catalog.providers[s.provider], settings) for s in model.providers):
        names = ", ".join(f"`{s.provider}`" for s in model.providers)
        return f"no provider serving `{model.id}` ({names}) is configured with credentials on this gateway"
    return None


def servable(model: ModelInfo, catalog: Catalog, settings: Settings) -> bool:
    return unservable_reason(model, catalog, settings) is None


def servable_models(catalog: Catalog, settings: Settings) -> list[ModelInfo]:
    """Every servable catalog model, in catalog order."""
    return [m for m in catalog.models if servable(m, catalog, settings)]


__all__ = ["IAM_ADAPTERS", "reachable", "servable", "servable_models", "unservable_reason"]
