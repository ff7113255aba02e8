"""A Responses API request as a Chat Completions request, and a chat completion as a response.

Input items become chat messages: a message item keeps its role (text parts become text
parts, ``input_image`` an ``image_url`` part); consecutive ``function_call`` items become one
assistant turn's ``tool_calls``; a ``function_call_output`` is a ``tool`` message. What the
chat path cannot express (built-in tools, files, other item types) is a 400 naming it.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from gateway import clock
from gateway.errors import InvalidRequestError
from gateway.schemas.responses import (
    FunctionCallItem,
    MessageItem,
    OutputItem,
    OutputText,
    ResponseObject,
    ResponseUsage,
)

if TYPE_CHECKING:
    from gateway.schemas import ChatCompletion
    from gateway.schemas.responses import ResponseCreateRequest

PASSED_THROUGH = (
    "temperature",
    "top_p",
    "parallel_tool_calls",
    "metadata",
    "user",
    "safety_identifier",
    "prompt_cache_key",
    "prompt_cache_retention",
    "service_tier",
    "provider",
    "fallbacks",
    "drop_params",
)
"""Fields with the same name and meaning on both APIs."""
_ROLES = ("user", "system", "developer", "assistant")


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def _unsupported(message: str, param: str) -> InvalidRequestError:
    return InvalidRequestError(message, param=param, code="unsupported_parameter")


def _part(part: Any, where: str) -> dict[str, Any]:
    kind = part.get("type") if isinstance(part, dict) else None
    if kind in ("input_text", "output_text", "text"):
        return {"type": "text", "text": str(part.get("text", ""))}
    if kind == "refusal":
        return {"type": "text", "text": str(part.get("refusal", ""))}
    if kind == "input_image":
        if not part.get("image_url"):
            raise _unsupported(
                "input_image is served by `image_url` only (not `file_id`).", f"{where}.image_url"
            )
        image: dict[str, Any] = {"url": part["image_url"]}
        if part.get("detail"):
            image["detail"] = part["detail"]
        return {"type": "image_url", "image_url": image}
    raise _unsupported(f"Content part type `{kind}` is not supported by this gateway.", f"{where}.type")


def _message(item: dict[str, Any], where: str) -> dict[str, Any]:
    role = item.get("role")
    if role not in _ROLES:
        raise InvalidRequestError(f"Invalid value for '{where}.role': {role!r}.", param=f"{where}.role")
    content = item.get("content")
    if isinstance(content, str):
        return {"role": role, "content": content}
    if not isinstance(content, list):
        raise InvalidRequestError(
            f"'{where}.content' must be a string or a list of parts.", param=f"{where}.content"
        )
    parts = [_part(p, f"{where}.content[{j}]") for j, p in enumerate(content)]
    if role != "user" and all(p["type"] == "text" for p in parts):
        return {"role": role, "content": "".join(p["text"] for p in parts)}
    return {"role": role, "content": parts}


def messages_of(items: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Input (a string or items) as chat messages."""
    if isinstance(items, str):
        return [{"role": "user", "content": items}]
    out: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        where = f"input[{i}]"
        if not isinstance(item, dict):
            raise InvalidRequestError(f"'{where}' must be an object.", param=where)
        kind = item.get("type", "message")
        if kind == "message":
            out.append(_message(item, where))
        elif kind == "function_call":
            call = {
                "id": item.get("call_id") or item.get("id"),
                "type": "function",
                "function": {"name": item.get("name"), "arguments": item.get("arguments") or ""},
            }
            last = out[-1] if out else None
            if last is not None and last["role"] == "assistant" and "tool_calls" in last:
                last["tool_calls"].append(call)
            elif last is not None and last["role"] == "assistant" and isinstance(last.get("content"), str):
                last["tool_calls"] = [call]
            else:
                out.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output")
            text = (
                output
                if isinstance(output, str)
                else "".join(str(p.get("text", "")) for p in output or () if isinstance(p, dict))
            )
            out.append({"role": "tool", "tool_call_id": item.get("call_id"), "content": text})
        elif kind == "reasoning":
            continue  # reasoning items round-tripped by clients carry nothing the chat path can use
        else:
            raise _unsupported(f"Input item type `{kind}` is not supported by this gateway.", f"{where}.type")
    return out


def _tools(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for i, tool in enumerate(tools):
        kind = tool.get("type")
        if kind != "function":
            raise _unsupported(
                f"Built-in tool `{kind}` cannot be run by the providers this gateway serves; "
                "only function tools are supported.",
                f"tools[{i}]",
            )
        fn = {k: tool[k] for k in ("name", "description", "parameters", "strict") if tool.get(k) is not None}
        out.append({"type": "function", "function": fn})
    return out


def _tool_choice(choice: str | dict[str, Any]) -> str | dict[str, Any]:
    if isinstance(choice, str):
        return choice
    kind = choice.get("type")
    if kind == "function" and set(choice) == {"type", "name"} and isinstance(choice.get("name"), str):
        return {"type": "function", "function": {"name": choice["name"]}}
    if kind == "allowed_tools":
        tools = choice.get("tools")
        return {
            "type": "allowed_tools",
            "allowed_tools": {
                "mode": choice.get("mode"),
                "tools": [
                    {"type": "function", "function": {"name": t.get("name")}}
                    for t in tools or ()
                    if isinstance(t, dict) and t.get("type") == "function"
                ],
            },
        }
    raise InvalidRequestError(
        'tool_choice is "none", "auto", "required", {"type": "function", "name": "..."} or allowed_tools '
        "with function tools.",
        param="tool_choice",
        code="invalid_value",
    )


def _response_format(req: ResponseCreateRequest) -> dict[str, Any] | None:
    fmt = req.text.format if req.text else None
    if fmt is None or fmt.type == "text":
        return None
    if fmt.type == "json_object":
        return {"type": "json_object"}
    schema: dict[str, Any] = {"name": fmt.name or "response", "schema": fmt.schema_ or {"type": "object"}}
    if fmt.strict is not None:
        schema["strict"] = fmt.strict
    if fmt.description:
        schema["description"] = fmt.description
    return {"type": "json_schema", "json_schema": schema}


def to_chat(
    req: ResponseCreateRequest, history: list[dict[str, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(the chat request body, the conversation without instructions): ``history`` is the
    stored conversation ``previous_response_id`` continues."""
    conversation = [*history, *messages_of(req.input)]
    messages = ([{"role": "system", "content": req.instructions}] if req.instructions else []) + conversation
    body: dict[str, Any] = {"model": req.model, "messages": messages, "stream": bool(req.stream)}
    for name in PASSED_THROUGH:
        value = getattr(req, name)
        if value is not None:
            body[name] = value
    if req.tools:
        body["tools"] = _tools(req.tools)
    if req.tool_choice is not None:
        body["tool_choice"] = _tool_choice(req.tool_choice)
    if req.max_output_tokens is not None:
        body["max_completion_tokens"] = req.max_output_tokens
    if req.reasoning and req.reasoning.effort:
        body["reasoning_effort"] = req.reasoning.effort
    if req.text and req.text.verbosity:
        body["verbosity"] = req.text.verbosity
    response_format = _response_format(req)
    if response_format:
        body["response_format"] = response_format
    if req.stream:
        body["stream_options"] = {"include_usage": True}
    return body, conversation


def output_of(completion: ChatCompletion) -> list[OutputItem]:
    message = completion.choices[0].message if completion.choices else None
    out: list[OutputItem] = []
    if message is None:
        return out
    if message.content or not message.tool_calls:
        out.append(MessageItem(id=new_id("msg"), content=[OutputText(text=message.content or "")]))
    out += [
        FunctionCallItem(
            id=new_id("fc"), call_id=tc.id, name=tc.function.name, arguments=tc.function.arguments
        )
        for tc in message.tool_calls or ()
    ]
    return out


def answer_message(output: list[OutputItem]) -> dict[str, Any]:
    """The answer as the chat message a continuation sends back."""
    text = "".join(c.text for item in output if isinstance(item, MessageItem) for c in item.content)
    calls = [
        {"id": item.call_id, "type": "function", "function": {"name": item.name, "arguments": item.arguments}}
        for item in output
        if isinstance(item, FunctionCallItem)
    ]
    return {"role": "assistant", "content": text or None, **({"tool_calls": calls} if calls else {})}


def shell(req: ResponseCreateRequest, response_id: str, model: str) -> ResponseObject:
    """The response object before its output: what ``response.created`` announces."""
    text: dict[str, Any] = {"format": {"type": "text"}}
    if req.text is not None:
        text = req.text.model_dump(exclude_none=True, by_alias=True) or text
    return ResponseObject(
        id=response_id,
        created_at=int(clock.now()),
        status="in_progress",
        model=model,
        instructions=req.instructions,
        max_output_tokens=req.max_output_tokens,
        metadata=req.metadata or {},
        parallel_tool_calls=req.parallel_tool_calls is not False,
        previous_response_id=req.previous_response_id,
        reasoning=req.reasoning.model_dump(exclude_none=True) if req.reasoning else {},
        store=req.store is not False,
        temperature=req.temperature,
        text=text,
        tool_choice=req.tool_choice if req.tool_choice is not None else "auto",
        tools=req.tools or [],
        top_p=req.top_p,
        user=req.user,
    )


def finish(
    response: ResponseObject, output: list[OutputItem], finish_reason: str | None, usage: ResponseUsage | None
) -> ResponseObject:
    response.output = output
    response.usage = usage
    if finish_reason == "length":
        response.status = "incomplete"
        response.incomplete_details = {"reason": "max_output_tokens"}
    elif finish_reason == "content_filter":
        response.status = "incomplete"
        response.incomplete_details = {"reason": "content_filter"}
    else:
        response.status = "completed"
    return response
