"""Where log lines go and how they look.

Under systemd (stderr connected to the journal, $JOURNAL_STREAM set) each line
starts with its syslog priority, `<3>` for an error, `<4>` for a warning, so
`journalctl -p warning` shows what went wrong; the journal adds its own time.
`log_format = "json"` writes one JSON object a line for log shippers.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime

PRIORITY = {"CRITICAL": 2, "ERROR": 3, "WARNING": 4, "INFO": 6, "DEBUG": 7}
TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JournalFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        prefix = f"<{PRIORITY.get(record.levelname, 6)}>"
        # A traceback's lines are one entry's: each keeps the priority.
        return "\n".join(prefix + part for part in line.splitlines())


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def formatter(style: str) -> logging.Formatter:
    if style == "json":
        return JsonFormatter()
    if os.environ.get("JOURNAL_STREAM"):
        return JournalFormatter("%(levelname)s %(name)s: %(message)s")
    return logging.Formatter(TEXT)


def setup(level: int, style: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(style))
    logging.basicConfig(level=level, handlers=[handler])
