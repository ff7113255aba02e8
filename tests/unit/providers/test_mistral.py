"""providers/mistral.py: Mistral's renames and refusals."""

from __future__ import annotations

from _helpers import WEATHER, fixture, request, target

from gateway.providers.mistral import adapter, tool_call_id

SMALL = "mistral/mistral-small-latest"


def test_renames_and_no_stream_options():
    body = adapter.build_request(
        request(seed=42, max_completion_tokens=99, stream=True, tools=[WEATHER], tool_choice="required"),
        target(SMALL),
    ).json
    assert body["random_seed"] == 42 and "seed" not in body
    assert body["max_tokens"] == 99 and "max_completion_tokens" not in body
    assert body["tool_choice"] == "any"
    assert "stream_options" not in body and body["stream"] is True


def test_tool_call_ids_are_nine_alphanumerics_and_stable():
    body = adapter.build_request(
        request(
            messages=[
                {"role": "user", "content": "w?"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "toolu_01A09q90qw90lq917835lq9",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "toolu_01A09q90qw90lq917835lq9", "content": "ok"},
            ]
        ),
        target(SMALL),
    ).json
    new_id = body["messages"][1]["tool_calls"][0]["id"]
    assert len(new_id) == 9 and new_id.isalnum()
    assert body["messages"][2]["tool_call_id"] == new_id
    assert tool_call_id("abcDEF123") == "abcDEF123"


def test_422_is_the_clients_400():
    err = adapter.map_error(422, fixture("mistral", "error_422.json"), {})
    assert err.status == 400 and not getattr(err, "retryable", False)
