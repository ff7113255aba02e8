"""What an OpenAI client rebuilds from streamed chunks, and the model each simulated provider
is tested with: shared by the unit and integration tests (tests/ is on sys.path via conftest)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# provider -> a catalog model it serves (requests pin the provider with "<provider>/<model>").
SIMULATED_MODELS = {
    "openai": "gpt-4o-mini",
    "anthropic": "claude-haiku-4-5-20251001",
    "gemini": "gemini-2.5-flash",
    "groq": "llama-3.3-70b-versatile",
    "mistral": "mistral-small-latest",
    "bedrock": "amazon.nova-lite-v1:0",
}


def assemble(chunks: Iterable[Any]) -> dict[str, Any]:
    """Text, tool calls by index, finish reason and the last usage seen."""
    text, calls, finish, usage = "", {}, None, None
    for c in chunks:
        if getattr(c, "usage", None) is not None:
            usage = c.usage
        for ch in c.choices:
            text += ch.delta.content or ""
            for tc in ch.delta.tool_calls or ():
                call = calls.setdefault(tc.index, {"id": None, "name": "", "arguments": ""})
                call["id"] = tc.id or call["id"]
                if tc.function:
                    call["name"] += tc.function.name or ""
                    call["arguments"] += tc.function.arguments or ""
            finish = ch.finish_reason or finish
    return {"text": text, "calls": calls, "finish": finish, "usage": usage}
