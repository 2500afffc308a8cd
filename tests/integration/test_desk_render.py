"""The queue's HTML laid out by headless Chromium at a phone's width (390 px): nothing
sticks out sideways (no sideways scrolling), every reply link is on screen and big
enough to tap, the breached ticket is marked. The screenshot is kept as an artifact."""

from __future__ import annotations

import json
import os
import re
import subprocess
from html import escape

import pytest

from maild.core import notices
from maild.core.model import Person, Role
from tests.integration.helpers import parsed
from tests.integration.staff import answer, last, open_ticket, take
from tests.integration.test_desk_views import DANA, TEAMS, set_ticket
from tests.integration.test_summary_render import ARTIFACTS, chromium

PHONE = 390
# Headless Chromium's window is at least 500 px wide: the mail is laid out in a
# 390 px frame, as a phone's mail app shows it, and measured from the page around it.
PAGE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="phone" style="width:390px;height:1600px;border:0" srcdoc="{mail}"></iframe>
<script>
const frame = document.getElementById('phone');
frame.addEventListener('load', () => {{
  const doc = frame.contentDocument, box = (e) => e.getBoundingClientRect();
  const links = [...doc.querySelectorAll('a[href^="mailto:"]')].map(box);
  document.body.setAttribute('data-layout', JSON.stringify({{
    inner: frame.contentWindow.innerWidth,
    scroll: doc.documentElement.scrollWidth,
    right: Math.max(...[...doc.querySelectorAll('body *')].map(e => box(e).right)),
    links: links.map(r => [r.left, r.right, r.height]),
  }}));
}});
</script></body></html>"""


@pytest.fixture
def desk(make_app):
    return make_app(**TEAMS)


def browse(html: str, tmp_path, *args: str) -> str:
    page = tmp_path / "queue.html"
    page.write_text(PAGE.format(mail=escape(html, quote=True)))
    result = subprocess.run(
        [chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--window-size={PHONE},1600", *args, page.as_uri()],
        capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)},
    )  # fmt: skip
    return result.stdout + result.stderr


def a_busy_queue(desk, clock) -> None:
    long = "A very long subject " + "Ersatzteilbestellungsbestätigung" * 4 + " and more words"
    open_ticket(desk, "Maximiliane Mustermann-Oberhuber <maximiliane.mustermann@example.com>")
    for _ in range(3):
        clock.advance(hours=2)
        open_ticket(desk)
    take(desk, answer(last(desk, "agent/new", DANA), "#assign me"))
    set_ticket(desk, 2, subject=long)
    clock.advance(hours=3)


def digest_html(desk, clock) -> str:
    """The morning digest as the scheduler would mail it (the same template, its own words)."""
    views = desk.ingest.desk.views
    dana = desk.settings.agents[0]
    person = Person(dana.email, dana.name, Role.AGENT, dana.team)
    with desk.db.transaction() as store:
        view = views.queue_view(store, person, clock(), digest=True)
    out = notices.notice("agent/queue", person, 0, "digest", views.addressing, view)
    raw = desk.ingest.queue.renderer.render(out, clock())
    return parsed(raw).get_body(("html",)).get_content()


@pytest.mark.parametrize("kind", ["queue", "digest"])
def test_the_queue_and_the_digest_read_on_a_phone(desk, clock, tmp_path, kind):
    a_busy_queue(desk, clock)
    if kind == "queue":
        take(desk, answer(last(desk, "agent/new", DANA), "#queue", quote=False))
        html = parsed(last(desk, "agent/queue", DANA).raw).get_body(("html",)).get_content()
    else:
        html = digest_html(desk, clock)
        assert "Good morning, Dana Agent" in html
    assert "target breached" in html
    out = browse(html, tmp_path, "--dump-dom")
    found = re.search(r"data-layout=\"([^\"]+)\"", out)
    assert found, out[-2000:]
    layout = json.loads(found.group(1).replace("&quot;", '"'))
    assert layout["inner"] == PHONE and layout["scroll"] <= PHONE, layout
    assert layout["right"] <= PHONE + 0.5, layout
    assert len(layout["links"]) == 8  # the subject and the button of four tickets
    for left, right, height in layout["links"]:
        assert left >= 0 and right <= PHONE and height >= 16
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{kind}-390.png"
    shot.unlink(missing_ok=True)
    browse(html, tmp_path, f"--screenshot={shot}")
    assert shot.exists() and shot.stat().st_size > 5_000  # the frame, and the page's margin
