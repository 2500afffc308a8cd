"""A German manager's summary laid out by headless Chromium (issue 27): the umlauts and
the euro sign arrive as themselves (no mojibake), and the German words, longer than the
English, keep the layout at the mail's width: the 600px card does not grow, nothing in
it sticks out, the page does not scroll sideways. The screenshot is kept as an artifact."""

from __future__ import annotations

import os
import re
import subprocess

from tests.integration.helpers import parsed
from tests.integration.test_manager_languages import GERMAN_MARIA
from tests.integration.test_summary import MONDAY_0830, ON, summaries, sunday_at_the_desk
from tests.integration.test_summary_render import ARTIFACTS, chromium

# Measured in the page once laid out, written where --dump-dom shows it.
MEASURE = """<script>
var card = document.querySelector('table[width="600"]').getBoundingClientRect();
var right = 0;
document.querySelectorAll('table[width="600"] *').forEach(function (e) {
  right = Math.max(right, e.getBoundingClientRect().right);
});
document.body.setAttribute('data-layout', [document.documentElement.scrollWidth,
  window.innerWidth, Math.round(card.width), Math.ceil(right - card.right)].join(' '));
</script></body>"""


def _browser(args: list[str], tmp_path) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--window-size=700,1400", *args],
        capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)},
    )  # fmt: skip


def test_a_german_summary_lays_out_in_a_browser_with_its_umlauts(make_app, clock, tmp_path):
    chromium()
    app = make_app(**ON, **GERMAN_MARIA)
    sunday_at_the_desk(app, clock)
    clock.now = MONDAY_0830
    app.scheduler.run_due()
    [mail] = summaries(app)
    html = parsed(mail.raw).get_body(("html",)).get_content()
    assert '<meta charset="utf-8">' in html and '<html lang="de"' in html
    page = tmp_path / "summary-de.html"
    page.write_bytes(html.replace("</body>", MEASURE).encode("utf-8"))

    dom = _browser(["--dump-dom", page.as_uri()], tmp_path)
    assert dom.returncode == 0 and "<body" in dom.stdout, dom.stderr[-2000:]
    text = re.sub(r"<[^>]+>", " ", dom.stdout).replace("&nbsp;", "\xa0")
    for word in ("Tagesübersicht", "Eröffnet", "Offen bei Tagesende", "gelöst", "20,00\xa0€"):
        assert word in text, word
    assert "Ã" not in dom.stdout and "\ufffd" not in dom.stdout  # UTF-8 read as Latin-1
    [layout] = re.findall(r'data-layout="([^"]+)"', dom.stdout)
    page_width, view, card, beyond = (int(x) for x in layout.split())
    assert page_width <= view, "the page scrolls sideways"
    assert card == 600, "the German words widened the 600px card"
    assert beyond <= 0, "something sticks out of the card"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "summary-de.png"
    shot.unlink(missing_ok=True)
    _browser([f"--screenshot={shot}", page.as_uri()], tmp_path)
    assert shot.exists() and shot.stat().st_size > 10_000
