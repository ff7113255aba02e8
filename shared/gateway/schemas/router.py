"""POST /v1/router (the Lunar seed): route a prompt to a model, and optionally run it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from gateway.schemas.chat import ChatCompletionRequest, Message


class RouterRequest(BaseModel):
    """Unknown fields are refused by name, as on /v1/chat/completions."""

    model_config = ConfigDict(extra="forbid")

    messages: list[Message] = Field(min_length=1)
    execute: bool = True
    """False: return the decision only; nothing is sent to a provider or billed."""
    models: list[str] | None = Field(default=None, min_length=2)
    """Catalog model ids (or aliases) to choose among; each must be servable (not retired, a
    provider configured) and have a routing profile. Absent: every servable catalog model
    that has one, or tier routing when fewer than two do."""
    cost_weight: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    """Penalty per unit of normalised cost (1 = the most expensive profiled model's mean
    USD per request). 0 ignores cost. Absent: the key's ``default_cost_weight``, else the
    deployment's ``ROUTING_DEFAULT_COST_WEIGHT`` (default 0.1)."""
    stream: bool = False
    max_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)

    def to_chat(self, model: str) -> ChatCompletionRequest:
        """The chat completion that runs the decision (``execute: true``)."""
        return ChatCompletionRequest(
            model=model,
            messages=self.messages,
            stream=self.stream,
            max_tokens=self.max_tokens,
            temperature=self.temperature,
        )


__all__ = ["RouterRequest"]
