"""Applying a personality to a chat request (the PurAI seed's ``personality``).

The personality's system prompt goes before the client's messages; its defaults (model, or a
tier's model when its model is ``auto``; temperature; max tokens) fill only what the client
did not send: the client's explicit parameters win. A personality that allows no tools
refuses a request that sends them (a 400 naming ``tools``). Whether anything was changed is
reported as ``overwritten``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.catalog.personalities import Personality, shipped
from gateway.errors import InvalidRequestError, NotFoundError
from gateway.schemas.chat import Message
from gateway.store import personalities as stored

if TYPE_CHECKING:
    from gateway.schemas import ChatCompletionRequest


async def find(personality_id: str) -> Personality | None:
    """A personality by id: the admin's stored one, else the shipped one."""
    custom = await stored.get(personality_id)
    if custom is not None:
        return Personality.model_validate({**custom, "id": personality_id, "source": "custom"})
    return shipped().get(personality_id)


async def every() -> list[Personality]:
    """Every personality: shipped ones, replaced or joined by the admin's."""
    out = dict(shipped())
    for custom in await stored.list_all():
        p = Personality.model_validate({**custom, "source": "custom"})
        out[p.id] = p
    return sorted(out.values(), key=lambda p: p.id)


def _model_for(personality: Personality) -> str | None:
    if personality.model and personality.model != "auto":
        return personality.model
    if personality.tier is None:
        return personality.model
    from gateway.catalog.models import get_catalog
    from gateway.semantic_routing.auto import tier_model
    from gateway.settings import get_settings

    return tier_model(personality.tier, get_catalog(), get_settings())[0].id


async def apply(request: ChatCompletionRequest) -> tuple[ChatCompletionRequest, bool]:
    """The request with its personality applied, and whether that changed anything."""
    if request.personality is None:
        return request, False
    personality = await find(request.personality)
    if personality is None:
        raise NotFoundError(
            f"No personality `{request.personality}`: GET /v1/personalities lists them.",
            param="personality",
            code="personality_not_found",
        )
    given = request.model_fields_set
    if request.tools and not personality.tools_allowed:
        raise InvalidRequestError(
            f"The personality `{personality.id}` allows no tools; send the request without `tools`.",
            param="tools",
        )
    update: dict[str, Any] = {
        "messages": [Message(role="system", content=personality.system_prompt), *request.messages],
    }
    model = _model_for(personality)
    if "model" not in given and model is not None:
        update["model"] = model
    if "temperature" not in given and personality.temperature is not None:
        update["temperature"] = personality.temperature
    if not {"max_tokens", "max_completion_tokens"} & given and personality.max_tokens is not None:
        update["max_tokens"] = personality.max_tokens
    return request.model_copy(update=update), True


__all__ = ["apply", "every", "find"]
