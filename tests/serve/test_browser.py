"""A real browser (Debian's chromium, driven by Playwright) draws on the page of
``mnistlab serve``, and uploads an image file to it, and sees the prediction and the
probability bars.

Skipped when no chromium is installed, unless MNISTLAB_REQUIRE_BROWSER=1 (set by CI,
which installs it). The screenshot is kept in ``test-artifacts/`` (or MNISTLAB_ARTIFACTS).
"""

from __future__ import annotations

import json
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


@pytest.fixture(scope="module")
def server(tmp_path_factory, digits_model):
    """``mnistlab serve`` in a subprocess, on a free port of 127.0.0.1."""
    from mnistlab import models
    from mnistlab.data import load

    est, _ = digits_model
    model_dir = models.save_model(
        est, tmp_path_factory.mktemp("model"), name="knn", dataset=load("digits")
    )
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


def _api_digit(url: str, body: bytes) -> int:
    req = urllib.request.Request(url + "/api/predict", data=body, method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)["digit"]


def test_upload_an_image_file_and_see_the_answer(server, browser, artifacts, tmp_path):
    import numpy as np
    from playwright.sync_api import expect

    from mnistlab.data import load
    from tests.serve.conftest import drawing

    ds = load("digits")
    # a test digit, drawn dark on light at 280 px, that the model gets right (per the API)
    for x, label in zip(ds.X_test[:20], ds.y_test[:20], strict=True):
        body = drawing((x * 15).astype(np.uint8))
        if _api_digit(server, body) == label:
            break
    else:
        pytest.fail("the model got none of 20 test digits right")
    path = tmp_path / "digit.png"
    path.write_bytes(body)

    page = browser.new_page(viewport={"width": 900, "height": 700})
    page.goto(server + "/")
    assert page.locator("#file").get_attribute("accept") == "image/png,image/jpeg"
    assert page.locator("#digit").inner_text() == "?"
    page.set_input_files("#file", str(path))
    expect(page.locator("#digit")).to_have_text(str(label), timeout=15_000)
    assert page.locator("#bars li.best").get_attribute("data-digit") == str(label)
    assert "sure" in page.locator("#confidence").inner_text()
    assert page.locator("#error").is_hidden()
    # the upload is shown on the pad: dark ink where the blank pad is white
    darkest = page.eval_on_selector(
        "#pad",
        "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data"
        ".reduce((a, b) => Math.min(a, b), 255)",
    )
    assert darkest < 64
    page.screenshot(path=str(artifacts / "serve-upload.png"), full_page=True)

    # a file that is not an image: the server's one-line error is shown, not a digit
    bad = tmp_path / "notes.png"
    bad.write_bytes(b"not an image at all")
    page.click("#clear")
    page.set_input_files("#file", str(bad))
    expect(page.locator("#error")).to_be_visible(timeout=15_000)
    assert page.locator("#digit").inner_text() == "?"
