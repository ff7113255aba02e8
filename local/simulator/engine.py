"""What the simulated model says, independent of any wire format.

Replies are deterministic (a function of the prompt), token counts follow the same
four-characters-a-token rule as the gateway's estimates, and a prompt seen before reports
its prefix as cached, as providers' prompt caches do for prompts of 1,024 tokens or more.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

_CACHE_MIN_TOKENS = 1024
IMAGE_TOKENS = 2_833
"""What the simulator bills an image: gpt-4o-mini's base for one (real providers bill images as input tokens)."""
_CACHE_BLOCK = 128
_seen_prompts: set[str] = set()


def count_tokens(text: str) -> int:
    return max(1, -(-len(text) // 4)) if text else 0


@dataclass
class Turn:
    """A normalized conversation, whichever provider format it arrived in."""

    system: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)
    """Each {"role": user|assistant|tool, "text": str, "tool_calls": [...]}."""
    tools: list[dict[str, Any]] = field(default_factory=list)
    """Each {"name", "parameters"} (JSON schema)."""
    tool_choice: str | None = None
    """None/"auto", "none", "required", or a tool name."""
    max_tokens: int | None = None
    stop: list[str] = field(default_factory=list)
    images: int = 0
    """Image parts in the prompt, billed ``IMAGE_TOKENS`` each."""
    schema: dict[str, Any] | None = None
    """A JSON schema the answer must match (structured outputs); ``{}`` for plain JSON mode."""


@dataclass
class Reply:
    text: str
    words: list[str]
    tool_calls: list[dict[str, Any]]
    finish_reason: str
    """stop, length or tool_calls (each format maps it to its own vocabulary)."""
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int


def _placeholder(schema: dict[str, Any]) -> Any:
    t = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    return {"string": "Paris", "integer": 1, "number": 1.5, "boolean": True, "array": [], "object": {}}.get(
        t, "x"
    )


def _arguments(tool: dict[str, Any]) -> dict[str, Any]:
    params = tool.get("parameters") or {}
    props = params.get("properties") or {}
    required = params.get("required") or list(props)
    return {name: _placeholder(props.get(name, {})) for name in required}


def instance(schema: dict[str, Any], root: dict[str, Any] | None = None, depth: int = 0) -> Any:
    """A value that matches ``schema`` (the subset structured outputs use: types, properties,
    required, items, enum, const, anyOf/oneOf/allOf, $ref into $defs/definitions)."""
    root = schema if root is None else root
    if depth > 12:
        return None
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target.get(part, {}) if part else target
        return instance(target, root, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
            return instance(options[0], root, depth + 1)
    if schema.get("allOf"):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(part)
        return instance(merged, root, depth + 1)
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "null")
    if t == "object" or (t is None and "properties" in schema):
        props = schema.get("properties") or {}
        return {name: instance(sub, root, depth + 1) for name, sub in props.items()}
    if t == "array":
        items = schema.get("items") or {}
        return [instance(items, root, depth + 1) for _ in range(max(1, int(schema.get("minItems") or 1)))]
    if t == "string":
        text = "Paris"
        return text.ljust(int(schema.get("minLength") or 0), "x")
    if t == "integer":
        return int(schema.get("minimum", 1))
    if t == "number":
        return float(schema.get("minimum", 1.5))
    if t == "boolean":
        return True
    if t == "null":
        return None
    return "x"


def reply(turn: Turn) -> Reply:
    prompt_text = turn.system + "".join(
        m.get("text", "") + json.dumps(m.get("tool_calls") or []) for m in turn.messages
    )
    prompt_tokens = count_tokens(prompt_text) + 3 + 4 * len(turn.messages) + IMAGE_TOKENS * turn.images
    digest = hashlib.sha256(prompt_text.encode()).hexdigest()
    cached = 0
    if prompt_tokens >= _CACHE_MIN_TOKENS and digest in _seen_prompts:
        cached = (prompt_tokens // _CACHE_BLOCK) * _CACHE_BLOCK
    _seen_prompts.add(digest)

    last = turn.messages[-1] if turn.messages else {"role": "user", "text": ""}
    wants_tool = (
        turn.tools
        and turn.tool_choice != "none"
        and last.get("role") != "tool"
        and (
            turn.tool_choice not in (None, "auto")
            or "weather" in last.get("text", "").lower()
            or "tool" in last.get("text", "").lower()
        )
    )
    if wants_tool:
        name = (
            turn.tool_choice if turn.tool_choice not in (None, "auto", "required") else turn.tools[0]["name"]
        )
        tool = next((t for t in turn.tools if t["name"] == name), turn.tools[0])
        call = {"id": "call_" + digest[:20], "name": tool["name"], "arguments": json.dumps(_arguments(tool))}
        return Reply("", [], [call], "tool_calls", prompt_tokens, count_tokens(call["arguments"]) + 5, cached)

    if turn.schema is not None:
        schema = turn.schema or {"type": "object", "properties": {"answer": {"type": "string"}}}
        text = json.dumps(instance(schema))
    elif last.get("role") == "tool":
        text = f"The tool answered: {last.get('text', '')[:200]}"
    else:
        snippet = " ".join(last.get("text", "").split()[:8])
        text = f"Simulated reply to: {snippet}. This answer is deterministic and costs real tokens."
    words = text.split(" ")
    finish = "stop"
    if turn.max_tokens is not None and len(words) > turn.max_tokens:
        words, finish = words[: turn.max_tokens], "length"
    for s in turn.stop:
        joined = " ".join(words)
        if s and s in joined:
            words, finish = joined[: joined.index(s)].split(" "), "stop"
    words = [w + " " if i < len(words) - 1 else w for i, w in enumerate(words)]
    return Reply("".join(words), words, [], finish, prompt_tokens, len(words), cached)
