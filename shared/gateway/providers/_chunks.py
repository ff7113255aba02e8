"""Small builders the non-OpenAI adapters share: stream chunks, tool-call deltas, message text.

Pure functions only (the adapter rules apply): no I/O, clock or environment.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from gateway.errors import InvalidRequestError
from gateway.schemas import ChatCompletionChunk

if TYPE_CHECKING:
    from gateway.providers.base import StreamState
    from gateway.schemas import Message


def chunk(
    state: StreamState, delta: dict[str, Any], finish_reason: str | None = None, index: int = 0
) -> ChatCompletionChunk:
    return ChatCompletionChunk.model_validate(
        {
            "id": state.id,
            "created": state.created,
            "model": state.model,
            "choices": [{"index": index, "delta": delta, "finish_reason": finish_reason}],
        }
    )


def tool_call_start(index: int, call_id: str, name: str, arguments: str = "") -> dict[str, Any]:
    return {
        "tool_calls": [
            {
                "index": index,
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": arguments},
            }
        ]
    }


def tool_call_arguments(index: int, fragment: str) -> dict[str, Any]:
    return {"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}


def arguments_object(message_index: int, raw: str) -> dict[str, Any]:
    """A tool call's JSON arguments as an object (providers that take structured input need one)."""
    if not raw or not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise InvalidRequestError(
            f"messages[{message_index}].tool_calls: arguments are not valid JSON",
            param=f"messages[{message_index}]",
        ) from None
    if not isinstance(value, dict):
        raise InvalidRequestError(
            f"messages[{message_index}].tool_calls: arguments must be a JSON object",
            param=f"messages[{message_index}]",
        )
    return value


def append_turn(
    turns: list[dict[str, Any]], role: str, blocks: list[dict[str, Any]], key: str = "content"
) -> None:
    """Add a turn's blocks (under ``key``: Gemini calls them ``parts``), merged into the previous
    turn when the role repeats: Messages, Converse and Gemini all want alternating roles, and
    tool results arrive as user turns."""
    if not blocks:
        return
    if turns and turns[-1]["role"] == role:
        turns[-1][key].extend(blocks)
    else:
        turns.append({"role": role, key: blocks})


def system_text(messages: list[Message]) -> str:
    """The system and developer messages, lifted out and joined (providers that take one system prompt)."""
    return "\n\n".join(m.text() for m in messages if m.role in ("system", "developer") and m.text())


def tool_names(messages: list[Message]) -> dict[str, str]:
    """tool_call_id -> function name, from the assistant turns (for providers that key results by name)."""
    return {tc.id: tc.function.name for m in messages for tc in (m.tool_calls or ())}


def data_url(url: str) -> tuple[str, str] | None:
    """(media type, base64 data) of a ``data:`` URL, else None."""
    if not url.startswith("data:") or ";base64," not in url:
        return None
    head, _, data = url.partition(";base64,")
    return head.removeprefix("data:") or "application/octet-stream", data
