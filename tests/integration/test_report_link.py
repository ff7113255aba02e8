"""The HTML report opens from a plain link (issue 14): a browser cannot send ``x-api-key``, so
``?link=true`` answers a short-lived signed URL; altered or expired links are refused."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.integration._png import pixels

pytestmark = pytest.mark.integration
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _link(stack, key: str) -> dict:
    with stack.http() as c:
        r = c.get("/v1/report", params={"format": "html", "link": "true"}, headers={"x-api-key": key})
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_a_signed_link_opens_the_html_report_without_a_key(stack):
    key = stack.new_key("linked")
    stack.openai(api_key=key).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
    )
    link = _link(stack, key)
    assert link["object"] == "report_link" and "token=" in link["url"] and link["expires_at"]
    page = httpx.get(link["url"], timeout=30)  # no key: the link is the credential
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<svg" in page.text and "gpt-4o-mini" in page.text  # the key's own report, charted
    assert page.headers["cache-control"] == "private, no-store"


def test_an_altered_or_expired_link_is_refused(stack):
    url = _link(stack, stack.api_key)["url"]
    tampered = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    r = httpx.get(tampered, timeout=30)
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_link"
    stack.advance_clock(901)  # links live 15 minutes
    r = httpx.get(url, timeout=30)
    assert r.status_code == 401 and r.json()["error"]["code"] == "link_expired"


@pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="chromium is not installed (apt-get install chromium)"
)
def test_the_link_opens_in_a_headless_browser(stack, tmp_path):
    url = _link(stack, stack.api_key)["url"]
    png = tmp_path / "linked.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-sync",
            "--disable-background-networking",
            "--disable-component-update",
            f"--user-data-dir={tmp_path / 'p'}",
            f"--screenshot={png}",
            "--window-size=420,900",
            url,
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert png.exists(), "chromium wrote no screenshot"
    _, _, colors = pixels(png)
    _, most = colors.most_common(1)[0]
    assert most < 0.97 * sum(colors.values()), "the page the link opened is blank"
