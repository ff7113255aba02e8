"""Requests and tokens per minute, shared by every container: exactly the limit is admitted."""

from __future__ import annotations

import pytest

from tests.integration._accounts import chat, concurrently, create_key

pytestmark = pytest.mark.integration


def test_rpm_admits_exactly_the_limit_under_concurrent_load(stack):
    key = create_key(stack, "rpm-10", rpm=10)
    stack.start_of_minute()  # fixed windows: the burst is counted in one
    responses = concurrently(stack, 40, lambda c: chat(c, key["key"], max_tokens=5))

    ok = [r for r in responses if r.status_code == 200]
    refused = [r for r in responses if r.status_code == 429]
    assert len(ok) == 10 and len(refused) == 30, [r.status_code for r in responses]
    # Each admission saw the counter after its own increment: remaining runs 9..0 exactly once each.
    assert sorted(int(r.headers["x-ratelimit-remaining-requests"]) for r in ok) == list(range(10))
    for r in ok:
        assert r.headers["x-ratelimit-limit-requests"] == "10"
        assert r.headers["x-ratelimit-reset-requests"].endswith("s")
    for r in refused:
        err = r.json()["error"]
        assert err["type"] == "rate_limit_error" and err["code"] == "rate_limit_exceeded"
        assert 1 <= err["retry_after"] <= 60
        assert r.headers["retry-after"] == str(err["retry_after"])
        assert r.headers["x-ratelimit-limit-requests"] == "10"
        assert r.headers["x-ratelimit-remaining-requests"] == "0"
        assert r.headers["x-ratelimit-reset-requests"] == f"{err['retry_after']}s"


def test_tpm_counts_prompt_and_max_tokens_then_trues_up(stack):
    # "Hello" holds ceil(9 * 1.25) = 12 prompt tokens; with max_tokens=8 a request counts 20 at
    # admission, and settles to its actual 9 + 8 = 17.
    key = create_key(stack, "tpm-55", tpm=55)
    stack.start_of_minute()  # fixed windows: the burst is counted in one
    with stack.http() as c:
        first = chat(c, key["key"], max_tokens=8)
        second = chat(c, key["key"], max_tokens=8)
        third = chat(c, key["key"], max_tokens=8)
        fourth = chat(c, key["key"], max_tokens=8)
        too_big = chat(c, key["key"], max_tokens=100)
    assert first.status_code == second.status_code == 200
    # Round trips: key lookup (then cached), admission, settlement; nothing else (the tests'
    # stack has no free-tier cap, whose allowance is one more round trip for free requests).
    assert 'desc="3 calls"' in first.headers["server-timing"]
    assert 'desc="2 calls"' in second.headers["server-timing"]
    assert first.headers["x-ratelimit-limit-tokens"] == "55"
    assert first.headers["x-ratelimit-remaining-tokens"] == "35"
    # 17 + 17 + 20 = 54 fits only because settlement trued the first two down from 20 to 17.
    assert third.status_code == 200, third.text
    assert third.headers["x-ratelimit-remaining-tokens"] == "1"
    assert fourth.status_code == 429
    err = fourth.json()["error"]
    assert err["code"] == "tokens_rate_limit_exceeded" and err["retry_after"] >= 1
    assert fourth.headers["x-ratelimit-remaining-tokens"] == "4"
    assert too_big.status_code == 429 and too_big.json()["error"]["code"] == "tokens_rate_limit_exceeded"


def test_a_failed_request_reports_its_window_and_releases_its_hold(sim):
    from tests.integration._accounts import account, open_holds, usd

    key = create_key(sim, "failing", rpm=50, daily_budget_usd=1)
    sim.fault("openai", "status", status=503, count=10)
    with sim.http() as c:
        r = chat(c, key["key"], max_tokens=5)
    assert r.status_code >= 500, r.text
    assert r.headers["x-ratelimit-limit-requests"] == "50"
    assert r.headers["x-ratelimit-remaining-requests"] == "49"
    item = account(sim, key["id"])
    assert (
        open_holds(item) == [] and item["free_used"] == 0
    )  # nothing delivered: the free request is given back
    assert all(usd(item, k) == 0 for k in item if k.startswith("d#") and not k.endswith("#n"))
