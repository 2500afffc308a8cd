"""What a person reads of one mail, as maild reads it: the corpus test's eyes.

Run as `python -m tests.corpus.reading` to count, per source, the mails read
exactly as `expected.json` says (the before/after figure in the design notes).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from maild.core import mail, reply, text

HERE = Path(__file__).parent
EXPECTED = HERE / "expected.json"


def reading(raw: bytes) -> dict[str, Any]:
    """Sender, name, subject, the new words, the files; or that it cannot be read."""
    try:
        m = mail.parse(raw, max_attachment_bytes=10_000_000, max_message_bytes=100_000_000)
    except mail.Unreadable:
        return {"unreadable": True}
    return {
        "from": m.from_addr,
        "name": m.from_name,
        "subject": m.subject,
        "text": reply.new_text(m.text),
        "files": [a.filename for a in m.attachments],
        "robot": m.robot is not None,
    }


def html_reading(html: str) -> dict[str, Any]:
    """An HTML body (as a mail's only part): the new words a person reads."""
    return {"text": reply.new_text(text.html_to_text(html))}


def read_file(name: str) -> dict[str, Any]:
    """`name` under this folder: mails/SOURCE/FILE is a whole mail, html/SOURCE/FILE a body."""
    path = HERE / name
    if name.startswith("html/"):
        return html_reading(path.read_text(encoding="utf-8"))
    return reading(path.read_bytes())


def expected() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = json.loads(EXPECTED.read_text(encoding="utf-8"))
    return found


def score() -> Counter[tuple[str, bool]]:
    counts: Counter[tuple[str, bool]] = Counter()
    for name, want in expected().items():
        try:
            got = read_file(name)
        except Exception:  # the code under measure may crash: a miss
            got = {}
        counts[("/".join(name.split("/")[:2]), got == want)] += 1
    return counts


def main() -> None:
    counts = score()
    for source in sorted({s for s, _ in counts}):
        right, total = counts[(source, True)], counts[(source, True)] + counts[(source, False)]
        print(f"{source:20} {right:3} of {total:3} read exactly right")
    right = sum(n for (_s, ok), n in counts.items() if ok)
    print(f"{'all':20} {right:3} of {sum(counts.values()):3}")


if __name__ == "__main__":
    sys.exit(main())
