"""A real browser (Debian's chromium, driven by Playwright) draws on the page of
``mnistlab serve`` and sees the prediction and the probability bars.

Skipped when no chromium is installed, unless MNISTLAB_REQUIRE_BROWSER=1 (set by CI,
which installs it). The screenshot is kept in ``test-artifacts/`` (or MNISTLAB_ARTIFACTS).
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path, digits_model):
    """``mnistlab serve`` in a subprocess, on a free port of 127.0.0.1."""
    from mnistlab import models
    from mnistlab.data import load

    est, _ = digits_model
    model_dir = models.save_model(est, tmp_path / "model", name="knn", dataset=load("digits"))
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mnistlab", "serve", "--model", str(model_dir), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the server did not start:\n{proc.stdout.read()}")
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(10)


def test_draw_a_digit_and_see_the_answer(server, browser, artifacts):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 900, "height": 700})
    page.goto(server + "/")
    assert page.locator("#model").inner_text() == "knn"
    assert page.locator("#digit").inner_text() == "?"
    box = page.locator("#pad").bounding_box()
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    # a "1": one stroke down the middle, drawn with the mouse
    page.mouse.move(x0 + 0.5 * w, y0 + 0.15 * h)
    page.mouse.down()
    for k in range(1, 21):
        page.mouse.move(x0 + 0.5 * w, y0 + (0.15 + 0.7 * k / 20) * h)
    page.mouse.up()
    # expect() polls without eval, which the page's Content-Security-Policy forbids
    expect(page.locator("#digit")).to_have_text(re.compile(r"^[0-9]$"), timeout=15_000)
    widths = page.eval_on_selector_all(
        "#bars .fill", "els => els.map(e => parseFloat(e.style.width) || 0)"
    )
    assert len(widths) == 10 and max(widths) > 0
    best = page.locator("#bars li.best").get_attribute("data-digit")
    assert best == page.locator("#digit").inner_text()
    page.wait_for_timeout(400)  # the bars' width transition
    fill = page.locator("#bars li.best .fill").bounding_box()
    track = page.locator("#bars li.best .track").bounding_box()
    assert fill["width"] >= 0.2 * track["width"]  # drawn, not only styled
    assert "sure" in page.locator("#confidence").inner_text()
    page.screenshot(path=str(artifacts / "serve-draw.png"), full_page=True)
    # Clear empties the answer again
    page.click("#clear")
    assert page.locator("#digit").inner_text() == "?"
