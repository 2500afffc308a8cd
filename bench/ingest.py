"""Throughput of `maild run --once` on a backlog, against the naive floor.

  python bench/ingest.py [--mails 5000]

Both runs take the same N generated customer mails from a private Dovecot.
The floor is the naive loop: imapclient fetch in batches of 200, `email`
parse, one SQLModel insert per mail in its own transaction (default SQLite
settings, as a first attempt would have them). maild does the whole job:
parse, route, open the ticket, render the acknowledgement and the agent's
notification into the outbox, commit per batch, then move the batch. Each
side runs in its own process so its peak RSS is its own.

Targets: ratio maild/floor >= 0.6; maild's peak RSS <= 150 MB.
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

from sqlmodel import Field, Session, SQLModel, create_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common


class Naive(SQLModel, table=True):
    """The floor's one table: the parsed mail and its bytes."""

    id: int | None = Field(default=None, primary_key=True)
    message_id: str
    sender: str
    subject: str
    text: str
    raw: bytes
    received_at: datetime


def floor(port: int, user: str, password: str, db_path: str, move: bool = False) -> dict:
    from imapclient import IMAPClient

    engine = create_engine(f"sqlite:///{db_path}")
    SQLModel.metadata.create_all(engine)
    parser = BytesParser(policy=policy.default)
    start = time.perf_counter()
    client = IMAPClient("127.0.0.1", port=port, ssl=False)
    client.login(user, password)
    if move and not client.folder_exists("Processed"):
        client.create_folder("Processed")
    client.select_folder("INBOX")
    uids = client.search(["ALL"])
    for i in range(0, len(uids), 200):
        chunk = uids[i : i + 200]
        for _uid, data in client.fetch(chunk, ["BODY.PEEK[]"]).items():
            raw = data[b"BODY[]"]
            msg = parser.parsebytes(raw)
            body = msg.get_body(("plain", "html"))
            with Session(engine) as session:
                session.add(
                    Naive(
                        message_id=str(msg["message-id"]),
                        sender=str(msg["from"]),
                        subject=str(msg["subject"]),
                        text=body.get_content() if body else "",
                        raw=raw,
                        received_at=datetime.now(UTC),
                    )
                )
                session.commit()
        if move:  # as maild does: the batch leaves the inbox once stored
            client.move(chunk, "Processed")
    client.logout()
    return {"seconds": time.perf_counter() - start, "mails": len(uids)}


def maild(config_file: str) -> dict:
    from sqlmodel import func, select

    from maild import config
    from maild.adapters.db.models import Outbox, Ticket
    from maild.bootstrap import build, prepare
    from maild.daemon import drain_mailbox, open_mailbox

    settings, _ = config.load(config_file)
    prepare(settings)
    app = build(settings)
    start = time.perf_counter()
    with open_mailbox(settings.mailboxes[0], 0) as mailbox:
        counts = drain_mailbox(app, mailbox)
    seconds = time.perf_counter() - start
    with app.db.transaction() as store:
        tickets = store.session.exec(select(func.count()).select_from(Ticket)).one()
        queued = store.session.exec(select(func.count()).select_from(Outbox)).one()
    return {"seconds": seconds, "mails": sum(counts.values()), "tickets": tickets, "queued": queued}


def child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"benchmark part failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=5000)
    parser.add_argument("--part", choices=["floor", "maild"])
    parser.add_argument("--args", nargs="*")
    opts = parser.parse_args()
    if opts.part:
        result = floor(*opts.args) if opts.part == "floor" else maild(*opts.args)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return

    work = common.workdir()
    server = common.dovecot(work)
    try:
        print(f"filling two mailboxes with {opts.mails} mails each ...", flush=True)
        common.fill(server, "floor", opts.mails)
        common.fill(server, "maild", opts.mails)
        base = child(
            [
                "--part",
                "floor",
                "--args",
                str(server.port),
                "floor",
                server.password,
                str(work / "floor.db"),
            ]
        )
        cfg = common.write_config(work / "maild.toml", server, "maild")
        ours = child(["--part", "maild", "--args", str(cfg)])
    finally:
        server.stop()
        common.cleanup(work)
    f_rate = base["mails"] / base["seconds"]
    m_rate = ours["mails"] / ours["seconds"]
    print(
        f"floor (fetch 200 + parse + 1 insert/commit each): {base['mails']} mails in "
        f"{base['seconds']:.1f} s = {f_rate:.0f} mails/s, peak RSS {base['peak_rss_mb']:.0f} MB"
    )
    print(
        f"maild run --once (tickets + queued ack and notice): {ours['mails']} mails in "
        f"{ours['seconds']:.1f} s = {m_rate:.0f} mails/s, peak RSS {ours['peak_rss_mb']:.0f} MB"
        f" ({ours['tickets']} tickets, {ours['queued']} mails queued)"
    )
    print(f"ratio maild/floor = {m_rate / f_rate:.2f} (target >= 0.6); peak RSS target <= 150 MB")


if __name__ == "__main__":
    main()
