"""What a provider says a request used, in tokens: the input to pricing and to the ledger."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class RawUsage:
    """Token counts as the provider reported them, normalized to OpenAI's meaning.

    ``prompt_tokens`` counts every input token, cached ones included; ``cached_tokens`` and
    ``cache_write_tokens`` are the parts of it read from or written to the provider's cache.
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    reported: bool = False
    """False until the provider said anything about usage (then the gateway estimates)."""
