import json
import logging

from maild.adapters import logs


def _record(level: int, message: str, exc: bool = False) -> logging.LogRecord:
    info = None
    if exc:
        try:
            raise ValueError("boom")
        except ValueError:
            import sys

            info = sys.exc_info()
    return logging.LogRecord("maild.x", level, __file__, 1, message, (), info)


def test_under_systemd_each_line_carries_its_journal_priority(monkeypatch):
    monkeypatch.setenv("JOURNAL_STREAM", "8:1234")
    fmt = logs.formatter("text")
    assert fmt.format(_record(logging.WARNING, "relay said 451")) == (
        "<4>WARNING maild.x: relay said 451"
    )
    lines = fmt.format(_record(logging.ERROR, "crashed", exc=True)).splitlines()
    assert len(lines) > 2 and all(line.startswith("<3>") for line in lines)


def test_json_lines_for_log_shippers():
    entry = json.loads(logs.formatter("json").format(_record(logging.INFO, "sent")))
    assert entry["level"] == "INFO" and entry["message"] == "sent" and entry["logger"] == "maild.x"
    assert entry["time"].endswith("+00:00")


def test_plain_text_elsewhere(monkeypatch):
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    line = logs.formatter("text").format(_record(logging.INFO, "hello"))
    assert line.endswith("INFO maild.x: hello") and not line.startswith("<")
