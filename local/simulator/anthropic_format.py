"""Anthropic Messages API wire format (``/anthropic/v1/messages``), JSON and SSE with the real event names."""

from __future__ import annotations

import json
from typing import Any

from local.simulator.engine import Reply, Turn

STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text")
    return content or ""


def parse(body: dict[str, Any]) -> Turn:
    turn = Turn(
        system=_text(body.get("system")),
        max_tokens=body.get("max_tokens"),
        stop=list(body.get("stop_sequences") or []),
    )
    for m in body.get("messages", []):
        blocks = m["content"] if isinstance(m["content"], list) else [{"type": "text", "text": m["content"]}]
        results = [b for b in blocks if b.get("type") == "tool_result"]
        if results:
            for r in results:
                turn.messages.append({"role": "tool", "text": _text(r.get("content")), "tool_calls": None})
            continue
        calls = [
            {"name": b["name"], "arguments": json.dumps(b.get("input") or {})}
            for b in blocks
            if b.get("type") == "tool_use"
        ]
        turn.messages.append({"role": m["role"], "text": _text(blocks), "tool_calls": calls or None})
    turn.tools = [{"name": t["name"], "parameters": t.get("input_schema")} for t in body.get("tools") or []]
    choice = body.get("tool_choice") or {}
    turn.tool_choice = {"auto": "auto", "any": "required", "none": "none", "tool": choice.get("name")}.get(
        choice.get("type")
    )
    fmt = (body.get("output_config") or {}).get("format") or {}
    if fmt.get("type") == "json_schema":
        turn.schema = fmt.get("schema") or {}
    return turn


def usage(r: Reply, output_tokens: int | None = None) -> dict[str, Any]:
    # Anthropic's input_tokens excludes what was read from (or written to) the cache.
    return {
        "input_tokens": r.prompt_tokens - r.cached_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": r.cached_tokens,
        "output_tokens": r.completion_tokens if output_tokens is None else output_tokens,
    }


def _tool_id(call: dict[str, Any]) -> str:
    return "toolu_" + call["id"].removeprefix("call_")


def render(r: Reply, model: str, rid: str) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": r.text}] if r.text else []
    content += [
        {"type": "tool_use", "id": _tool_id(c), "name": c["name"], "input": json.loads(c["arguments"])}
        for c in r.tool_calls
    ]
    return {
        "id": "msg_" + rid,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": STOP_REASONS[r.finish_reason],
        "stop_sequence": None,
        "usage": usage(r),
    }


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n"


def stream(r: Reply, model: str, rid: str, include_usage: bool) -> list[str]:
    message = {**render(r, model, rid), "content": [], "stop_reason": None, "usage": usage(r, 1)}
    frames = [_event("message_start", {"message": message}), _event("ping", {})]
    index = 0
    if r.words:
        frames.append(
            _event("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})
        )
        frames += [
            _event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": w}})
            for w in r.words
        ]
        frames.append(_event("content_block_stop", {"index": 0}))
        index = 1
    for call in r.tool_calls:
        frames.append(
            _event(
                "content_block_start",
                {
                    "index": index,
                    "content_block": {
                        "type": "tool_use",
                        "id": _tool_id(call),
                        "name": call["name"],
                        "input": {},
                    },
                },
            )
        )
        args = call["arguments"]
        frames += [
            _event(
                "content_block_delta",
                {"index": index, "delta": {"type": "input_json_delta", "partial_json": args[j : j + 8]}},
            )
            for j in range(0, len(args), 8)
        ]
        frames.append(_event("content_block_stop", {"index": index}))
        index += 1
    frames.append(
        _event(
            "message_delta",
            {
                "delta": {"stop_reason": STOP_REASONS[r.finish_reason], "stop_sequence": None},
                "usage": {"output_tokens": r.completion_tokens},
            },
        )
    )
    frames.append(_event("message_stop", {}))
    return frames


def error(status: int, message: str) -> dict[str, Any]:
    kind = {
        400: "invalid_request_error",
        401: "authentication_error",
        403: "permission_error",
        404: "not_found_error",
        413: "request_too_large",
        429: "rate_limit_error",
        529: "overloaded_error",
    }.get(status, "api_error")
    return {"type": "error", "error": {"type": kind, "message": message}}
