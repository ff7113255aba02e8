"""Which optional parameters a target takes; refuse or drop the rest, never silently."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.errors import UnsupportedParamError

if TYPE_CHECKING:
    from gateway.catalog.targets import Target
    from gateway.schemas import ChatCompletionRequest

# Fields every target takes, or that the gateway itself consumes.
_ALWAYS = frozenset({"model", "messages", "stream", "provider", "fallbacks", "drop_params"})


def unsupported(request: ChatCompletionRequest, target: Target) -> list[str]:
    accepted = target.provider.params if target.served.params is None else target.served.params
    accepted_set = frozenset(accepted) - frozenset(target.model.unsupported_params)
    sent = request.model_fields_set - _ALWAYS
    out = sorted(name for name in sent if getattr(request, name) is not None and name not in accepted_set)
    if request.n is not None and request.n > 1 and "n" not in accepted_set and "n" not in out:
        out.append("n")
    return out


def fit(
    request: ChatCompletionRequest, target: Target, *, drop: bool
) -> tuple[ChatCompletionRequest, list[str]]:
    """The request as this target can take it, and the names dropped to get there.

    Raises ``UnsupportedParamError`` naming the first offending parameter unless ``drop``.
    """
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
