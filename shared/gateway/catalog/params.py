"""Which optional parameters a target takes; refuse or drop the rest, never silently.

Three kinds of field never cost the client a 400, whatever the target:

- ``CLIENT_ONLY``: fields that describe the client or hint at caching (``metadata``, ``user``,
  ``store``, ...): a target that does not take them never sees them;
- a value equal to OpenAI's documented default (``temperature: 1`` on a model with a fixed
  temperature, ``n: 1``, ``service_tier: "auto"``): sending it changes nothing, so it is
  accepted and not forwarded;
- fields a target takes only on some models (``NEEDS_CAPABILITY``: ``reasoning_effort`` on
  models with the ``reasoning`` capability) are refused or dropped on the others like any
  unsupported field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.errors import InvalidRequestError, UnsupportedParamError

if TYPE_CHECKING:
    from collections.abc import Collection

    from gateway.catalog.targets import Target
    from gateway.schemas import ChatCompletionRequest

# Fields every target takes, or that the gateway itself consumes.
_ALWAYS = frozenset(
    {
        "model",
        "messages",
        "stream",
        "provider",
        "fallbacks",
        "drop_params",
        "personality",
        "primaryProvider",
        "disableErrorSummarization",
    }
)

CLIENT_ONLY = frozenset(
    {
        "metadata",
        "safety_identifier",
        "user",
        "store",
        "prompt_cache_key",
        "prompt_cache_retention",
        "prompt_cache_options",
    }
)
"""About the client, or a caching hint: forwarded where the target takes it, else left out (never a 400)."""

DEFAULTS: dict[str, tuple[Any, ...]] = {
    "temperature": (1, 1.0),
    "top_p": (1, 1.0),
    "n": (1,),
    "presence_penalty": (0, 0.0),
    "frequency_penalty": (0, 0.0),
    "parallel_tool_calls": (True,),
    "logprobs": (False,),
    "service_tier": ("auto", "default"),
    "modalities": (["text"],),
    "reasoning_effort": ("none",),
}
"""OpenAI's defaults: a field sent with one of these values is accepted by every target."""

NEEDS_CAPABILITY = {"reasoning_effort": "reasoning", "verbosity": "reasoning"}
"""A field a provider takes only on models with this catalog capability."""


def accepted(target: Target) -> frozenset[str]:
    base = target.provider.params if target.served.params is None else target.served.params
    out = frozenset(base) - frozenset(target.model.unsupported_params)
    return frozenset(
        n for n in out if n not in NEEDS_CAPABILITY or NEEDS_CAPABILITY[n] in target.model.capabilities
    )


def _sent(request: ChatCompletionRequest) -> list[str]:
    return sorted(n for n in request.model_fields_set - _ALWAYS if getattr(request, n) is not None)


def _harmless(request: ChatCompletionRequest, name: str) -> bool:
    return name in CLIENT_ONLY or getattr(request, name) in DEFAULTS.get(name, ())


def unsupported(request: ChatCompletionRequest, target: Target) -> list[str]:
    """The fields this target cannot take that the client must hear about (or have dropped)."""
    takes = accepted(target)
    return [n for n in _sent(request) if n not in takes and not _harmless(request, n)]


def _left_out(request: ChatCompletionRequest, target: Target) -> list[str]:
    takes = accepted(target)
    return [n for n in _sent(request) if n not in takes and _harmless(request, n)]


def check_output_limit(request: ChatCompletionRequest, target: Target) -> None:
    """Refuse an output limit above the target model's ``max_output_tokens`` (a 400 naming the
    field the client sent): the hold, the tpm count and the provider would all take it as given."""
    field = "max_completion_tokens" if request.max_completion_tokens is not None else "max_tokens"
    limit = request.output_limit()
    most = target.model.max_output_tokens
    if limit is not None and limit > most:
        raise InvalidRequestError(
            f"Invalid value for '{field}': {limit} is more than `{target.model.id}` can produce "
            f"(its max_output_tokens is {most}).",
            param=field,
            code="invalid_value",
        )


def fit(
    request: ChatCompletionRequest, target: Target, *, drop: bool
) -> tuple[ChatCompletionRequest, list[str]]:
    """The request as this target can take it, and the names dropped to get there.

    Raises ``UnsupportedParamError`` naming the first offending parameter unless ``drop``, and
    ``InvalidRequestError`` for an output limit above the model's (never dropped: see
    ``check_output_limit``).
    """
    check_output_limit(request, target)
    names = unsupported(request, target)
    quiet = _left_out(request, target)
    if quiet:
        request = request.model_copy(update=dict.fromkeys(quiet))
    if not names:
        return request, []
    if not drop:
        raise UnsupportedParamError(
            f"`{names[0]}` is not supported by `{target.model.id}` on provider `{target.provider_id}`"
            + (f" (nor {', '.join(f'`{n}`' for n in names[1:])})" if names[1:] else "")
            + ". Remove it, or set `drop_params: true` to have the gateway drop what the target cannot take.",
            param=names[0],
        )
    return request.model_copy(update=dict.fromkeys(names)), names


def take_optional(
    body: Any, names: tuple[str, ...], takes: Collection[str], where: str
) -> tuple[dict[str, Any], list[str]]:
    """The optional fields of a non-chat ``body`` (images, audio) that are set and that the
    target ``takes``, and the names of those it does not take, dropped when the body says
    ``drop_params`` and otherwise refused with a 400 naming the first."""
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for name in names:
        value = getattr(body, name)
        if value is None:
            continue
        if name in takes:
            kept[name] = value
        elif body.drop_params:
            dropped.append(name)
        else:
            raise UnsupportedParamError(
                f"`{name}` is not supported by {where}. Remove it, or set `drop_params: true`.",
                param=name,
            )
    return kept, dropped
