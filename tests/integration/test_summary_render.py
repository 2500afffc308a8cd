"""The summary's HTML laid out by a real browser engine (headless Chromium): it renders,
it is not blank, and the bars are drawn. The screenshot is kept as a test artifact."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import unavailable
from tests.integration.helpers import parsed
from tests.integration.test_summary import MONDAY_0830, ON, summaries, sunday_at_the_desk

ARTIFACTS = Path(
    os.environ.get("MAILD_TEST_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts")
)


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    unavailable("no chromium: install Debian's chromium package (.ci/run does)")
    raise AssertionError  # unreachable


@pytest.fixture
def app(make_app):
    return make_app(**ON)


def test_the_summary_lays_out_in_a_browser(app, clock, tmp_path):
    browser = chromium()
    sunday_at_the_desk(app, clock)
    clock.now = MONDAY_0830
    app.scheduler.run_due()
    [mail] = summaries(app)
    html = parsed(mail.raw).get_body(("html",)).get_content()
    page = tmp_path / "summary.html"
    page.write_text(html)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "summary.png"
    shot.unlink(missing_ok=True)
    result = subprocess.run(
        [
            browser,
            "--headless=new",
            "--no-sandbox",  # tests run as root in CI containers
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=700,1400",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert shot.exists(), result.stderr[-2000:]
    assert shot.stat().st_size > 10_000
    image = Image.open(shot).convert("RGB")
    assert image.size == (700, 1400)
    pixels = list(image.get_flattened_data())
    background = {(255, 255, 255), (244, 245, 247)}  # the page and the layout's grey
    ink = [p for p in pixels if p not in background]
    assert len(ink) > 0.02 * len(pixels)  # text, borders and bars, not a blank page
    green = [p for p in pixels if p == (47, 133, 90)]  # #2f855a: the credit bars
    assert len(green) > 200
