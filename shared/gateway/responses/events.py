"""Chat completion chunks as the Responses API's semantic stream events.

``response.created`` and ``response.in_progress`` open the stream; text arrives as
``response.output_item.added`` (a message), ``response.content_part.added``, then
``response.output_text.delta`` events; each tool call as its own ``function_call`` item with
``response.function_call_arguments.delta`` events; every item is closed (``…done`` events)
before ``response.completed``, which carries the whole response with its usage and cost. A
failure after the stream began is an ``error`` event. Every event has a ``sequence_number``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gateway.responses.translate import finish, new_id
from gateway.schemas.responses import FunctionCallItem, MessageItem, OutputItem, OutputText, ResponseUsage

if TYPE_CHECKING:
    from gateway.errors import GatewayError
    from gateway.schemas import ChatCompletionChunk
    from gateway.schemas.responses import ResponseObject

Event = dict[str, Any]


@dataclass
class EventWriter:
    """Per-stream state: the items opened so far, in output order."""

    response: ResponseObject
    sequence: int = 0
    output: list[OutputItem] = field(default_factory=list)
    message: MessageItem | None = None
    calls: dict[int, FunctionCallItem] = field(default_factory=dict)
    """Chat tool_calls index -> its function_call item."""
    finish_reason: str | None = None
    usage: ResponseUsage | None = None

    def _event(self, kind: str, **data: Any) -> Event:
        event = {"type": kind, "sequence_number": self.sequence, **data}
        self.sequence += 1
        return event

    def _dump(self) -> dict[str, Any]:
        return self.response.model_dump(mode="json")

    def opening(self) -> list[Event]:
        return [
            self._event("response.created", response=self._dump()),
            self._event("response.in_progress", response=self._dump()),
        ]

    def _close_message(self) -> list[Event]:
        item, self.message = self.message, None
        if item is None:
            return []
        index, part = self.output.index(item), item.content[0]
        item.status = "completed"
        common = {"item_id": item.id, "output_index": index, "content_index": 0}
        return [
            self._event("response.output_text.done", **common, text=part.text, logprobs=[]),
            self._event("response.content_part.done", **common, part=part.model_dump()),
            self._event("response.output_item.done", output_index=index, item=item.model_dump()),
        ]

    def _close_calls(self) -> list[Event]:
        events = []
        for item in self.calls.values():
            index = self.output.index(item)
            item.status = "completed"
            events += [
                self._event(
                    "response.function_call_arguments.done",
                    item_id=item.id,
                    output_index=index,
                    name=item.name,
                    arguments=item.arguments,
                ),
                self._event("response.output_item.done", output_index=index, item=item.model_dump()),
            ]
        self.calls = {}
        return events

    def _text(self, delta: str) -> list[Event]:
        events: list[Event] = []
        if self.message is None:
            self.message = MessageItem(id=new_id("msg"), status="in_progress", content=[])
            self.output.append(self.message)
            index = len(self.output) - 1
            events.append(
                self._event("response.output_item.added", output_index=index, item=self.message.model_dump())
            )
            part = OutputText(text="")
            events.append(
                self._event(
                    "response.content_part.added",
                    item_id=self.message.id,
                    output_index=index,
                    content_index=0,
                    part=part.model_dump(),
                )
            )
            self.message.content.append(part)
        self.message.content[0].text += delta
        events.append(
            self._event(
                "response.output_text.delta",
                item_id=self.message.id,
                output_index=self.output.index(self.message),
                content_index=0,
                delta=delta,
                logprobs=[],
            )
        )
        return events

    def _tool_call(
        self, index: int, call_id: str | None, name: str | None, arguments: str | None
    ) -> list[Event]:
        events: list[Event] = []
        item = self.calls.get(index)
        if item is None:
            events += self._close_message()
            item = FunctionCallItem(
                id=new_id("fc"), call_id=call_id or new_id("call"), name=name or "", status="in_progress"
            )
            self.calls[index] = item
            self.output.append(item)
            events.append(
                self._event(
                    "response.output_item.added", output_index=len(self.output) - 1, item=item.model_dump()
                )
            )
        if arguments:
            item.arguments += arguments
            events.append(
                self._event(
                    "response.function_call_arguments.delta",
                    item_id=item.id,
                    output_index=self.output.index(item),
                    delta=arguments,
                )
            )
        return events

    def chunk(self, chunk: ChatCompletionChunk) -> list[Event]:
        events: list[Event] = []
        if chunk.usage is not None:
            self.usage = ResponseUsage.of(chunk.usage)
        if chunk.provider:
            self.response.provider = chunk.provider
        for choice in chunk.choices[:1]:  # the Responses API has one answer
            delta = choice.delta
            if delta.content:
                events += self._text(delta.content)
            for tc in delta.tool_calls or ():
                fn = tc.function
                events += self._tool_call(
                    tc.index, tc.id, fn.name if fn else None, fn.arguments if fn else None
                )
            if choice.finish_reason:
                self.finish_reason = choice.finish_reason
        return events

    def closing(self) -> list[Event]:
        """Every open item closed, then ``response.completed`` (or ``response.incomplete``)."""
        events = self._close_message() + self._close_calls()
        response = finish(self.response, self.output, self.finish_reason, self.usage)
        kind = "response.completed" if response.status == "completed" else "response.incomplete"
        return [*events, self._event(kind, response=self._dump())]

    def error(self, exc: GatewayError) -> Event:
        body = exc.to_envelope()["error"]
        return self._event(
            "error", code=body.get("code"), message=body.get("message"), param=body.get("param")
        )
