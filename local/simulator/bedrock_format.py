"""Amazon Bedrock Converse / ConverseStream wire format, as botocore sends and reads it.

``POST /bedrock/model/{modelId}/converse`` answers JSON; ``/converse-stream`` answers the
AWS event stream (``application/vnd.amazon.eventstream``): binary messages, each a prelude
(total and header lengths, CRC32), string headers (``:event-type``, ``:message-type``,
``:content-type``), a JSON payload and a CRC32 of the whole. botocore checks both CRCs,
so the real client decodes what this module encodes.
"""

from __future__ import annotations

import binascii
import json
import struct
from typing import Any

from local.simulator.engine import Reply, Turn

STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}
ERROR_CODES = {
    400: "ValidationException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    429: "ThrottlingException",
    503: "ServiceUnavailableException",
}


def _header(name: str, value: str) -> bytes:
    n, v = name.encode(), value.encode()
    return struct.pack("!B", len(n)) + n + b"\x07" + struct.pack("!H", len(v)) + v  # 7: string


def message(headers: dict[str, str], payload: bytes) -> bytes:
    raw_headers = b"".join(_header(k, v) for k, v in headers.items())
    prelude = struct.pack("!II", 12 + len(raw_headers) + len(payload) + 4, len(raw_headers))
    prelude += struct.pack("!I", binascii.crc32(prelude) & 0xFFFFFFFF)
    body = prelude + raw_headers + payload
    return body + struct.pack("!I", binascii.crc32(body) & 0xFFFFFFFF)


def event(kind: str, data: dict[str, Any]) -> bytes:
    return message(
        {":event-type": kind, ":content-type": "application/json", ":message-type": "event"},
        json.dumps(data).encode(),
    )


def _text(blocks: list[dict[str, Any]]) -> str:
    return "".join(b.get("text", "") for b in blocks)


def parse(body: dict[str, Any]) -> Turn:
    config = body.get("inferenceConfig") or {}
    turn = Turn(
        system=_text(body.get("system") or []),
        max_tokens=config.get("maxTokens"),
        stop=list(config.get("stopSequences") or []),
    )
    for m in body.get("messages", []):
        blocks = m.get("content") or []
        results = [b["toolResult"] for b in blocks if "toolResult" in b]
        if results:
            for r in results:
                parts = r.get("content") or []
                text = "".join(p.get("text", "") or json.dumps(p.get("json")) for p in parts)
                turn.messages.append({"role": "tool", "text": text, "tool_calls": None})
            continue
        calls = [
            {"name": b["toolUse"]["name"], "arguments": json.dumps(b["toolUse"].get("input") or {})}
            for b in blocks
            if "toolUse" in b
        ]
        turn.messages.append({"role": m["role"], "text": _text(blocks), "tool_calls": calls or None})
    tool_config = body.get("toolConfig") or {}
    turn.tools = [
        {"name": t["toolSpec"]["name"], "parameters": (t["toolSpec"].get("inputSchema") or {}).get("json")}
        for t in tool_config.get("tools") or []
    ]
    choice = tool_config.get("toolChoice") or {}
    turn.tool_choice = (
        "auto"
        if "auto" in choice
        else "required"
        if "any" in choice
        else (choice.get("tool") or {}).get("name")
    )
    return turn


def usage(r: Reply) -> dict[str, Any]:
    # Bedrock's inputTokens excludes cache reads and writes; totalTokens adds all four.
    return {
        "inputTokens": r.prompt_tokens - r.cached_tokens,
        "outputTokens": r.completion_tokens,
        "totalTokens": r.prompt_tokens + r.completion_tokens,
        "cacheReadInputTokens": r.cached_tokens,
        "cacheWriteInputTokens": 0,
    }


def _tool_id(call: dict[str, Any]) -> str:
    return "tooluse_" + call["id"].removeprefix("call_")


def render(r: Reply, model: str, rid: str) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"text": r.text}] if r.text else []
    content += [
        {"toolUse": {"toolUseId": _tool_id(c), "name": c["name"], "input": json.loads(c["arguments"])}}
        for c in r.tool_calls
    ]
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": STOP_REASONS[r.finish_reason],
        "usage": usage(r),
        "metrics": {"latencyMs": 1},
    }


def stream(r: Reply, model: str, rid: str, include_usage: bool) -> list[bytes]:
    frames = [event("messageStart", {"role": "assistant"})]
    index = 0
    if r.words:
        frames += [
            event("contentBlockDelta", {"delta": {"text": w}, "contentBlockIndex": 0}) for w in r.words
        ]
        frames.append(event("contentBlockStop", {"contentBlockIndex": 0}))
        index = 1
    for call in r.tool_calls:
        frames.append(
            event(
                "contentBlockStart",
                {
                    "start": {"toolUse": {"toolUseId": _tool_id(call), "name": call["name"]}},
                    "contentBlockIndex": index,
                },
            )
        )
        args = call["arguments"]
        frames += [
            event(
                "contentBlockDelta",
                {"delta": {"toolUse": {"input": args[j : j + 8]}}, "contentBlockIndex": index},
            )
            for j in range(0, len(args), 8)
        ]
        frames.append(event("contentBlockStop", {"contentBlockIndex": index}))
        index += 1
    frames.append(event("messageStop", {"stopReason": STOP_REASONS[r.finish_reason]}))
    frames.append(event("metadata", {"usage": usage(r), "metrics": {"latencyMs": 1}}))
    return frames


def error(status: int, message: str) -> dict[str, Any]:
    return {"__type": ERROR_CODES.get(status, "InternalServerException"), "message": message}
