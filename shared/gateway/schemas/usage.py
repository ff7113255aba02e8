"""Token usage, extended with what the request cost (the Lunar seed's Usage object)."""

from __future__ import annotations

from pydantic import BaseModel


class PromptTokensDetails(BaseModel):
    cached_tokens: int = 0
    """Prompt tokens read from the provider's cache (billed at the cached-input price)."""
    cache_write_tokens: int | None = None
    """Prompt tokens written to the cache (Anthropic's cache_creation_input_tokens)."""


class Usage(BaseModel):
    prompt_tokens: int = 0
    """All input tokens, cached ones included (as OpenAI counts them)."""
    completion_tokens: int = 0
    total_tokens: int = 0
    prompt_tokens_details: PromptTokensDetails | None = None
    input_cost_usd: float = 0.0
    """Uncached input tokens (and cache writes) at the model's input prices."""
    output_cost_usd: float = 0.0
    cache_input_cost_usd: float = 0.0
    """Cached input tokens at the model's cached-input price."""
    total_cost_usd: float = 0.0
    latency_ms: float | None = None
    """From the gateway receiving the request to the last byte of the answer."""
    ttft_ms: float | None = None
    """From the gateway receiving the request to the first content byte."""
