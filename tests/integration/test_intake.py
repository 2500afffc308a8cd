"""The intake loop over a fake mailbox (our own port): commit, then move; UIDVALIDITY."""

from dataclasses import dataclass, field

from maild.adapters.db.models import Ticket
from maild.core.model import Fetched
from maild.services.intake import Plan, drain
from tests.conftest import mail
from tests.integration.helpers import rows


@dataclass
class FakeMailbox:
    key: str = "fake"
    uidvalidity: int = 1
    mails: dict[int, bytes] = field(default_factory=dict)
    moved: dict[str, list[int]] = field(default_factory=dict)

    def pending(self):
        return sorted(self.mails)

    def sizes(self, uids):
        return {uid: len(self.mails[uid]) for uid in uids}

    def fetch(self, uids, sizes, max_bytes):
        for uid in uids:
            yield Fetched(uid, self.mails[uid][:max_bytes], sizes[uid])

    def move(self, uids, folder):
        for uid in uids:
            self.moved.setdefault(folder, []).append(uid)
            del self.mails[uid]


def test_batches_are_committed_then_moved(app):
    box = FakeMailbox(
        mails={n: mail(subject=f"m{n}", sender=f"c{n}@example.com") for n in range(1, 8)}
    )
    box.mails[8] = b"From: (nobody)\r\nContent-Type: text/plain\r\n\r\nx"
    counts = drain(box, app.ingest, Plan(batch_size=3))
    assert counts == {"ticket": 7, "quarantined": 1}
    assert box.moved == {"Processed": [1, 2, 3, 4, 5, 6, 7], "Quarantine": [8]}
    assert len(rows(app, Ticket)) == 7


def test_a_uidvalidity_change_reingests_nothing(app):
    raws = {n: mail(subject=f"m{n}", sender=f"c{n}@example.com") for n in range(1, 4)}
    first = FakeMailbox(mails=dict(raws))
    first.move = lambda uids, folder: None  # crash before the move: mail stays
    drain(first, app.ingest, Plan(batch_size=10))
    # The server renumbered the folder: new UIDVALIDITY, new UIDs, same mails.
    again = FakeMailbox(uidvalidity=2, mails={n + 100: raw for n, raw in raws.items()})
    counts = drain(again, app.ingest, Plan(batch_size=10))
    assert counts == {"duplicate": 3}
    assert again.moved == {"Processed": [101, 102, 103]}
    assert len(rows(app, Ticket)) == 3


def test_a_burst_is_taken_in_batches_growing_to_batch_size(app):
    """The first batch of a drain is small (its acknowledgements can leave while the
    rest is taken), the next ones twice as big, up to batch_size."""
    box = FakeMailbox(
        mails={n: mail(subject=f"b{n}", sender=f"b{n}@example.com") for n in range(1, 301)}
    )
    committed: list[int] = []

    def ingest(batch):
        committed.append(len(batch))
        return app.ingest(batch)

    counts = drain(box, ingest, Plan(batch_size=100, first_batch=25))
    assert committed == [25, 50, 100, 100, 25]
    assert counts["ticket"] == 300 and not box.mails
    assert len(rows(app, Ticket)) == 300
