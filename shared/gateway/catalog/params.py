"""Which optional parameters a target takes; refuse or drop the rest, never silently."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.errors import InvalidRequestError, UnsupportedParamError

if TYPE_CHECKING:
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


def unsupported(request: ChatCompletionRequest, target: Target) -> list[str]:
    accepted = target.provider.params if target.served.params is None else target.served.params
    accepted_set = frozenset(accepted) - frozenset(target.model.unsupported_params)
    sent = request.model_fields_set - _ALWAYS
    out = sorted(name for name in sent if getattr(request, name) is not None and name not in accepted_set)
    if request.n is not None and request.n > 1 and "n" not in accepted_set and "n" not in out:
        out.append("n")
    return out


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
