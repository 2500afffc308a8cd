"""Personal data does not stay for ever: raw mail ages out, and a customer can be forgotten.

- Every hour (the `housekeeping` job) raw mail older than `[retention]
  raw_days` loses its bytes and attachments, and sent mail its bytes; the
  ticket keeps its text, its events and the credit ledger, and gets a
  `raw_dropped` event. Scheduler bookkeeping older than 30 days goes too.
- `maild forget EMAIL` erases one customer's personal data (name, address,
  message texts, attachments, raw mail) and keeps ticket numbers, counts and
  the ledger's amounts for the audit under a pseudonym; each ticket gets a
  `forgotten` event. A last pass (adapters.db.erase) searches every column of
  every table for the address, their names and their sentences, and SQLite's
  file is compacted after, so its free pages do not keep them. Without --yes
  it only says what it would erase: the same path, rolled back.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from maild.adapters.db import erase, spam
from maild.adapters.db.store import Store
from maild.core.mail import glance

BATCH = 5_000  # rows an hour's run touches at most: a short transaction, a backlog in steps
JOBS_KEPT = timedelta(days=30)


@dataclass(frozen=True)
class Housekeeping:
    raw_days: int

    def __call__(self, store: Store, now: datetime) -> list[str]:
        done = []
        cutoff = now - timedelta(days=self.raw_days)
        dropped = store.drop_raw_before(cutoff, BATCH)
        for ticket_id, count in sorted(Counter(t for t in dropped if t is not None).items()):
            store.event(ticket_id, now, "raw_dropped", None, mails=count, days=self.raw_days)
        if dropped:
            done.append(
                f"raw bytes of {len(dropped)} mails older than {self.raw_days} days dropped"
            )
        sent = store.drop_sent_raw_before(cutoff, BATCH)
        if sent:
            done.append(f"{sent} sent mails' bytes dropped")
        spam_dropped = spam.drop_held_before(store.session, cutoff, BATCH)
        if spam_dropped:
            done.append(f"{spam_dropped} spam mails' bytes dropped")
        pruned = store.prune_job_runs(now - JOBS_KEPT)
        if pruned:
            done.append(f"{pruned} old job runs pruned")
        return done


def pseudonym(address: str) -> str:
    digest = hashlib.sha256(address.lower().encode()).hexdigest()[:16]
    return f"forgotten-{digest}@forgotten.invalid"


def forget(store: Store, address: str, now: datetime) -> dict[str, int]:
    """Erase one customer; returns what was erased, by kind of row."""
    address = address.lower()
    alias = pseudonym(address)
    tickets = store.tickets_of(address)
    person = erase.person_of(store.session, address, alias, tickets)  # before it is blanked
    counts = store.erase_customer(address, alias, tickets)
    held = [q for q in store.quarantined(limit=100_000) if address in glance(q.raw)["from"].lower()]
    for row in held:  # quarantined mail has no ticket: its From says whose it is
        row.raw, row.traceback = b"", ""
        row.error = f"raw mail erased: {alias} was forgotten"
    counts["quarantined mails"] = len(held)
    # every other place: outbox recipients and results, staff mail's lines, spam
    # marks, summaries, any table added later
    counts["other values"] = erase.scrub(store.session, person)
    for ticket_id in tickets:
        store.event(ticket_id, now, "forgotten", "operator", customer=alias)
    return {"tickets": len(tickets), **counts}
