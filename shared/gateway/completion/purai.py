"""What the PurAI seed's clients read beside the OpenAI response: whether the gateway changed
the request (``overwritten``), the attempts that failed before one answered (``cache``), and
the conversation's function calls (``calledFunctions``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.schemas.chat import AttemptCache, AttemptErrors, CalledFunction, ErrorRecord

if TYPE_CHECKING:
    from gateway.catalog.targets import Target
    from gateway.completion.plan import Plan
    from gateway.context import RequestContext
    from gateway.errors import UpstreamError
    from gateway.schemas import ChatCompletion, ChatCompletionRequest

FAILED_BEFORE = "Some providers failed before one answered; each attempt is in `records`."


def overwritten(ctx: RequestContext, plan: Plan, served: Target, dropped: list[str]) -> bool:
    """A personality's defaults, dropped parameters, or a fallback model serving the request."""
    return ctx.overwritten or bool(dropped) or served.model.id != plan.targets[0].model.id


def failed_attempts(failures: list[UpstreamError]) -> AttemptCache | None:
    if not failures:
        return None
    records = [ErrorRecord.model_validate(f.record()) for f in failures]
    return AttemptCache(error=AttemptErrors(message=FAILED_BEFORE, records=records))


def called_functions(
    request: ChatCompletionRequest, completion: ChatCompletion
) -> list[list[CalledFunction]] | None:
    """Each function call of the conversation with its result where the request carried one,
    then the calls this answer makes (the gateway runs no function: the client does)."""
    results = {m.tool_call_id: m.text() for m in request.messages if m.role == "tool" and m.tool_call_id}
    out: list[list[CalledFunction]] = []
    for m in request.messages:
        for call in m.tool_calls or ():
            pair = [CalledFunction(name=call.function.name, arguments=call.function.arguments)]
            if call.id in results:
                pair.append(
                    CalledFunction(name=call.function.name, role="function", content=results[call.id])
                )
            out.append(pair)
    for choice in completion.choices:
        calls = [*(c.function for c in choice.message.tool_calls or ()), choice.message.function_call]
        out.extend([CalledFunction(name=fc.name, arguments=fc.arguments)] for fc in calls if fc is not None)
    return out or None


__all__ = ["called_functions", "failed_attempts", "overwritten"]
