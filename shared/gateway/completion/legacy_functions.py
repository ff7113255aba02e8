"""The legacy ``functions``/``function_call`` API (the PurAI seed), carried over tools.

Adapters only ever see tools: ``to_tools`` rewrites a request that uses functions (the
definitions, ``function_call``, assistant ``function_call`` turns and ``role: function``
results) into the tools shape before any target is fitted. ``completion_to_legacy`` and
``chunk_to_legacy`` turn the answer back: the first tool call becomes ``function_call``
and ``finish_reason: tool_calls`` becomes ``function_call``. The legacy API has one call
per turn; a provider that returns several has the rest dropped (legacy clients cannot
represent them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.errors import InvalidRequestError
from gateway.schemas import FunctionCall, ToolCall

if TYPE_CHECKING:
    from gateway.schemas import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, Message


def uses_functions(request: ChatCompletionRequest) -> bool:
    return (
        bool(request.functions)
        or request.function_call is not None
        or any(m.role == "function" or m.function_call is not None for m in request.messages)
    )


def _tool_choice(function_call: str | dict[str, Any] | None) -> str | dict[str, Any] | None:
    if function_call is None or isinstance(function_call, str):
        return function_call
    name = function_call.get("name")
    if not name:
        raise InvalidRequestError(
            "function_call must be 'none', 'auto' or {\"name\": ...}", param="function_call"
        )
    return {"type": "function", "function": {"name": name}}


def _messages(messages: list[Message]) -> list[Message]:
    out: list[Message] = []
    pending: dict[str, str] = {}  # function name -> id of its latest unanswered call
    for i, m in enumerate(messages):
        if m.role == "assistant" and m.function_call is not None:
            call_id = f"call_fn_{i}"
            pending[m.function_call.name] = call_id
            calls = [*(m.tool_calls or ()), ToolCall(id=call_id, function=m.function_call)]
            out.append(m.model_copy(update={"function_call": None, "tool_calls": calls}))
        elif m.role == "function":
            call_id = pending.pop(m.name or "", "") or f"call_fn_{i}_{m.name}"
            out.append(m.model_copy(update={"role": "tool", "tool_call_id": call_id, "name": None}))
        else:
            out.append(m)
    return out


def to_tools(request: ChatCompletionRequest) -> ChatCompletionRequest:
    """The request in the tools shape (unchanged if it does not use functions)."""
    if not uses_functions(request):
        return request
    if request.functions and request.tools:
        raise InvalidRequestError(
            "Use either `tools` or the deprecated `functions`, not both.", param="functions"
        )
    update: dict[str, Any] = {
        "messages": _messages(request.messages),
        "functions": None,
        "function_call": None,
    }
    if request.functions:
        from gateway.schemas.chat import Tool

        update["tools"] = [Tool(function=f) for f in request.functions]
    if request.function_call is not None:
        if request.tool_choice is not None:
            raise InvalidRequestError(
                "Use either `tool_choice` or the deprecated `function_call`.", param="function_call"
            )
        update["tool_choice"] = _tool_choice(request.function_call)
    return request.model_copy(update=update)


def _finish(reason: str | None) -> str | None:
    return "function_call" if reason == "tool_calls" else reason


def completion_to_legacy(completion: ChatCompletion) -> ChatCompletion:
    for choice in completion.choices:
        calls = choice.message.tool_calls
        if calls:
            choice.message.function_call = FunctionCall(
                name=calls[0].function.name, arguments=calls[0].function.arguments
            )
            choice.message.tool_calls = None
        choice.finish_reason = _finish(choice.finish_reason)
    return completion


def chunk_to_legacy(chunk: ChatCompletionChunk) -> ChatCompletionChunk:
    """A copy of the chunk in the functions shape (the original is left for usage estimation)."""
    if not any(c.delta.tool_calls or c.finish_reason == "tool_calls" for c in chunk.choices):
        return chunk
    out = chunk.model_copy(deep=True)
    for choice in out.choices:
        calls = [tc for tc in choice.delta.tool_calls or () if tc.index == 0]
        if choice.delta.tool_calls is not None:
            choice.delta.tool_calls = None
            if calls and calls[0].function:
                from gateway.schemas.chat import FunctionCallDelta

                choice.delta.function_call = FunctionCallDelta(
                    name=calls[0].function.name, arguments=calls[0].function.arguments or ""
                )
        choice.finish_reason = _finish(choice.finish_reason)
    return out
