"""POST /v1/router (the Lunar seed): route a prompt to a model, and optionally run it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from gateway.schemas.chat import (
    NUMBER,
    ChatCompletion,
    ChatCompletionRequest,
    Message,
    OutputLimit,
    Temperature,
)

MAX_COST_WEIGHT = 1000.0
"""A weight past this ranks by cost alone already; larger ones only risk overflow in the scores."""


class RouterRequest(BaseModel):
    """Unknown fields are refused by name, as on /v1/chat/completions."""

    model_config = ConfigDict(extra="forbid")

    messages: list[Message] = Field(min_length=1)
    execute: StrictBool = True
    """False: return the decision only; nothing is sent to a provider or billed."""
    models: list[str] | None = Field(default=None, min_length=2)
    """Catalog model ids (or aliases) to choose among; each must be servable (not retired, a
    provider configured) and have a routing profile. Absent: every servable catalog model
    that has one, or tier routing when fewer than two do."""
    cost_weight: Annotated[float, Field(ge=0, le=MAX_COST_WEIGHT, allow_inf_nan=False), NUMBER] | None = None
    """Penalty per unit of normalised cost (1 = the most expensive profiled model's mean
    USD per request). 0 ignores cost. Absent: the key's ``default_cost_weight``, else the
    deployment's ``ROUTING_DEFAULT_COST_WEIGHT`` (default 0.1)."""
    stream: StrictBool = False
    max_tokens: OutputLimit | None = None
    temperature: Temperature | None = None

    def to_chat(self, model: str) -> ChatCompletionRequest:
        """The chat completion that runs the decision (``execute: true``)."""
        return ChatCompletionRequest(
            model=model,
            messages=self.messages,
            stream=self.stream,
            max_tokens=self.max_tokens,
            temperature=self.temperature,
        )


class RouterCandidate(BaseModel):
    model: str
    """The catalog model."""
    profile: str
    """Its routing profile."""
    predicted_error: float
    cost_usd: float
    """Mean USD per request on the profile's validation set."""
    normalized_cost: float
    score: float
    """predicted_error + cost_weight × normalized_cost: the lowest wins."""


class RouterDecisionView(BaseModel):
    selected_model: str
    tier: str
    cost_weight: float
    candidates: list[RouterCandidate]
    cluster_weights: list[float]
    """The prompt's weight on each cluster of the router."""
    subcluster_weights: dict[str, list[float]] = Field(default_factory=dict)
    """Refined cluster (by index) -> the prompt's weight on each of its sub-clusters, given
    that cluster; a refined cluster's error is read from them. Empty without a refinement."""


class RouterDecision(RouterDecisionView):
    """``execute: false``: the decision alone."""

    object: Literal["router.decision"] = "router.decision"


class RoutedCompletion(ChatCompletion):
    """``execute: true`` (JSON): the completion, with the decision that chose its model."""

    router: RouterDecisionView


class RouterProfile(BaseModel):
    profile: str
    model: str | None
    status: str | None
    source: str
    validation_size: int
    date: str
    mean_cost_usd: float
    cluster_error: list[float]
    subcluster_error: dict[str, list[float]] = Field(default_factory=dict)
    """Refined cluster -> the error in each of its sub-clusters, where this profile was
    counted in them; elsewhere the cluster's error holds."""


class RouterProfiles(BaseModel):
    object: Literal["list"] = "list"
    embedding: str
    num_clusters: int
    assignment: str
    subclusters: dict[str, int] = Field(default_factory=dict)
    """Refined cluster -> its number of sub-clusters."""
    data: list[RouterProfile]


__all__ = [
    "RoutedCompletion",
    "RouterDecision",
    "RouterDecisionView",
    "RouterProfiles",
    "RouterRequest",
]
