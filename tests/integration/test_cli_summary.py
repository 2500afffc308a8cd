"""`maild summary` on demand, as a manager's administrator uses it."""

from pathlib import Path

from maild.adapters.clock import ManualClock
from tests.conftest import START
from tests.integration.test_cli import run
from tests.integration.test_cli_staff import setup


def test_summary_preview_text_and_send_once(tmp_path):
    cfg, _note = setup(tmp_path, clock=ManualClock(START))
    page = tmp_path / "summary.html"
    today = "--date", "2026-01-01"
    result = run(
        "--config",
        cfg,
        "summary",
        "--manager",
        "maria@acme.example",
        *today,
        "--preview",
        str(page),
    )
    assert result.exit_code == 0, result.output
    assert "<table" in page.read_text() and "Daily summary" in page.read_text()
    text = run("--config", cfg, "summary", "--manager", "maria@acme.example", *today, "--text")
    assert "Daily summary for tier1: Thursday, January 1, 2026" in text.output
    assert "Nothing to report" in text.output
    busy = run(
        "--config",
        cfg,
        "summary",
        "--manager",
        "maria@acme.example",
        "--date",
        f"{START:%Y-%m-%d}",
        "--text",
    )  # the ticket setup() opened
    assert "opened 1, solved 0" in busy.output and "Dana Agent <dana@acme.example>" in busy.output
    sent = run("--config", cfg, "summary", "--manager", "maria@acme.example", *today, "--send")
    assert sent.exit_code == 0 and "sent" in sent.output, sent.output
    again = run("--config", cfg, "summary", "--manager", "maria@acme.example", *today, "--send")
    assert again.exit_code != 0 and "was sent already" in again.output
    outgoing = list((Path(tmp_path) / "state" / "outgoing" / "new").iterdir())
    assert any(b"Daily summary 2026-01-01" in p.read_bytes() for p in outgoing)
    nobody = run("--config", cfg, "summary", "--manager", "dana@acme.example", "--text")
    assert nobody.exit_code != 0 and "manages no team" in nobody.output
