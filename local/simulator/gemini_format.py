"""Gemini API wire format: ``models/{model}:generateContent`` and ``:streamGenerateContent?alt=sse``."""

from __future__ import annotations

import json
from typing import Any

from local.simulator.engine import Reply, Turn

FINISH_REASONS = {"stop": "STOP", "length": "MAX_TOKENS", "tool_calls": "STOP"}


def _text(parts: list[dict[str, Any]]) -> str:
    return "".join(p.get("text", "") for p in parts)


def parse(body: dict[str, Any]) -> Turn:
    config = body.get("generationConfig") or {}
    turn = Turn(
        system=_text((body.get("systemInstruction") or {}).get("parts") or []),
        max_tokens=config.get("maxOutputTokens"),
        stop=list(config.get("stopSequences") or []),
    )
    for c in body.get("contents", []):
        parts = c.get("parts") or []
        responses = [p["functionResponse"] for p in parts if "functionResponse" in p]
        if responses:
            for r in responses:
                turn.messages.append(
                    {"role": "tool", "text": json.dumps(r.get("response")), "tool_calls": None}
                )
            continue
        calls = [
            {"name": p["functionCall"]["name"], "arguments": json.dumps(p["functionCall"].get("args") or {})}
            for p in parts
            if "functionCall" in p
        ]
        role = "assistant" if c.get("role") == "model" else "user"
        turn.messages.append({"role": role, "text": _text(parts), "tool_calls": calls or None})
    for tool in body.get("tools") or []:
        for f in tool.get("functionDeclarations") or []:
            turn.tools.append(
                {"name": f["name"], "parameters": f.get("parametersJsonSchema") or f.get("parameters")}
            )
    fcc = (body.get("toolConfig") or {}).get("functionCallingConfig") or {}
    allowed = fcc.get("allowedFunctionNames") or []
    turn.tool_choice = {"AUTO": "auto", "NONE": "none", "ANY": allowed[0] if allowed else "required"}.get(
        fcc.get("mode")
    )
    config = body.get("generationConfig") or {}
    if config.get("responseMimeType") == "application/json":
        turn.schema = config.get("responseJsonSchema") or {}
    return turn


def usage(r: Reply, completion_tokens: int | None = None) -> dict[str, Any]:
    out = r.completion_tokens if completion_tokens is None else completion_tokens
    meta = {
        "promptTokenCount": r.prompt_tokens,
        "candidatesTokenCount": out,
        "totalTokenCount": r.prompt_tokens + out,
    }
    if r.cached_tokens:
        meta["cachedContentTokenCount"] = r.cached_tokens  # part of promptTokenCount, as Gemini reports it
    return meta


def _parts(r: Reply) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [{"text": r.text}] if r.text else []
    return parts + [
        {"functionCall": {"name": c["name"], "args": json.loads(c["arguments"])}} for c in r.tool_calls
    ]


def render(r: Reply, model: str, rid: str) -> dict[str, Any]:
    return {
        "candidates": [
            {
                "content": {"role": "model", "parts": _parts(r)},
                "finishReason": FINISH_REASONS[r.finish_reason],
                "index": 0,
            }
        ],
        "usageMetadata": usage(r),
        "modelVersion": model,
        "responseId": rid,
    }


def stream(r: Reply, model: str, rid: str, include_usage: bool) -> list[str]:
    frames = []
    pieces: list[list[dict[str, Any]]] = [[{"text": w}] for w in r.words]
    pieces += [[p] for p in _parts(r) if "functionCall" in p]
    for i, parts in enumerate(pieces):
        cand: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
        last = i == len(pieces) - 1
        if last:
            cand["finishReason"] = FINISH_REASONS[r.finish_reason]
        done = r.completion_tokens if last else min(i + 1, r.completion_tokens)
        frames.append(
            json.dumps(
                {
                    "candidates": [cand],
                    "usageMetadata": usage(r, done),
                    "modelVersion": model,
                    "responseId": rid,
                }
            )
        )
    return frames


def error(status: int, message: str) -> dict[str, Any]:
    kind = {
        400: "INVALID_ARGUMENT",
        401: "UNAUTHENTICATED",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        429: "RESOURCE_EXHAUSTED",
        503: "UNAVAILABLE",
        504: "DEADLINE_EXCEEDED",
    }.get(status, "INTERNAL")
    return {"error": {"code": status, "message": message, "status": kind}}
