"""OpenAI Chat Completions and Completions wire format (also Groq's and Mistral's)."""

from __future__ import annotations

import json
import time
from typing import Any

from local.simulator.engine import Reply, Turn


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content or ""


def parse_chat(body: dict[str, Any]) -> Turn:
    turn = Turn(max_tokens=body.get("max_completion_tokens") or body.get("max_tokens"))
    for m in body.get("messages", []):
        content = m.get("content")
        if isinstance(content, list):
            turn.images += sum(1 for p in content if isinstance(p, dict) and p.get("type") == "image_url")
        if m["role"] in ("system", "developer"):
            turn.system += _text(m.get("content"))
        else:
            turn.messages.append(
                {
                    "role": "tool" if m["role"] in ("tool", "function") else m["role"],
                    "text": _text(m.get("content")),
                    "tool_calls": m.get("tool_calls"),
                }
            )
    turn.tools = [t["function"] for t in body.get("tools") or []]
    choice = body.get("tool_choice")
    turn.tool_choice = choice["function"]["name"] if isinstance(choice, dict) else choice
    stop = body.get("stop")
    turn.stop = [stop] if isinstance(stop, str) else list(stop or [])
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        turn.schema = (fmt.get("json_schema") or {}).get("schema") or {}
    elif fmt.get("type") == "json_object":
        turn.schema = {}
    return turn


def parse_completion(body: dict[str, Any]) -> Turn:
    prompt = body.get("prompt")
    prompt = prompt[0] if isinstance(prompt, list) else prompt
    stop = body.get("stop")
    return Turn(
        messages=[{"role": "user", "text": prompt or ""}],
        max_tokens=body.get("max_tokens") or 16,
        stop=[stop] if isinstance(stop, str) else list(stop or []),
    )


def usage(r: Reply) -> dict[str, Any]:
    return {
        "prompt_tokens": r.prompt_tokens,
        "completion_tokens": r.completion_tokens,
        "total_tokens": r.prompt_tokens + r.completion_tokens,
        "prompt_tokens_details": {"cached_tokens": r.cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
    }


def _tool_calls(r: Reply) -> list[dict[str, Any]]:
    return [
        {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
        for c in r.tool_calls
    ]


def render_chat(r: Reply, model: str, rid: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": r.text or None, "refusal": None}
    if r.tool_calls:
        message["tool_calls"] = _tool_calls(r)
    return {
        "id": rid,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": r.finish_reason}],
        "usage": usage(r),
        "system_fingerprint": "fp_simulator",
    }


def render_completion(r: Reply, model: str, rid: str) -> dict[str, Any]:
    return {
        "id": rid,
        "object": "text_completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "text": r.text, "logprobs": None, "finish_reason": r.finish_reason}],
        "usage": usage(r),
    }


def stream_chat(r: Reply, model: str, rid: str, include_usage: bool) -> list[str]:
    base = {
        "id": rid,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_simulator",
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        data = {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        if include_usage:
            data["usage"] = None
        return json.dumps(data)

    frames = [chunk({"role": "assistant", "content": "", "refusal": None})]
    frames += [chunk({"content": w}) for w in r.words]
    for i, call in enumerate(_tool_calls(r)):
        args = call["function"]["arguments"]
        frames.append(
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": i,
                            "id": call["id"],
                            "type": "function",
                            "function": {"name": call["function"]["name"], "arguments": ""},
                        }
                    ]
                }
            )
        )
        for j in range(0, len(args), 8):
            frames.append(chunk({"tool_calls": [{"index": i, "function": {"arguments": args[j : j + 8]}}]}))
    frames.append(chunk({}, r.finish_reason))
    if include_usage:
        frames.append(json.dumps({**base, "choices": [], "usage": usage(r)}))
    frames.append("[DONE]")
    return frames


def stream_completion(r: Reply, model: str, rid: str, include_usage: bool) -> list[str]:
    base = {"id": rid, "object": "text_completion", "created": int(time.time()), "model": model}
    frames = [
        json.dumps({**base, "choices": [{"index": 0, "text": w, "logprobs": None, "finish_reason": None}]})
        for w in r.words
    ]
    frames.append(
        json.dumps(
            {
                **base,
                "choices": [{"index": 0, "text": "", "logprobs": None, "finish_reason": r.finish_reason}],
            }
        )
    )
    if include_usage:
        frames.append(json.dumps({**base, "choices": [], "usage": usage(r)}))
    frames.append("[DONE]")
    return frames


def error(status: int, message: str) -> dict[str, Any]:
    kind = {400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_error"}.get(
        status, "server_error"
    )
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}
