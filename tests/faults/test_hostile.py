"""Damaged and hostile mail, each followed by a normal mail that must still be answered
promptly; no mail costs more than 2 s of CPU, and the daemon stays under 250 MB."""

from __future__ import annotations

from tests.conftest import mail
from tests.faults.conftest import Rig, figure
from tests.faults.corpus import CORPUS


def test_hostile_mail_never_holds_up_the_next_one(rig: Rig):
    rig.maild.start()
    rig.append(mail(subject="warm up", sender="warm@example.com"))
    assert rig.wait_until(lambda: rig.acks_to("warm@example.com"), 60), rig.maild.logged()
    rows = []
    for n, (name, (make, fate)) in enumerate(CORPUS.items(), start=1):
        raw = make(n)
        cpu_before, _ = rig.maild.usage()
        rig.append(raw)
        after = f"after{n}@example.com"
        sent = rig.append(mail(subject=f"after {name}", sender=after))
        assert rig.wait_until(lambda a=after: rig.acks_to(a), 10), (name, rig.maild.logged())
        wait = rig.acks_to(after)[0] - sent
        cpu_after, rss = rig.maild.usage()
        rows.append((name, len(raw), wait, cpu_after - cpu_before, rss))
        assert wait <= 5.0, name
        assert cpu_after - cpu_before <= 2.0, name
        if fate == "ticket":
            tickets = rig.maild.json("tickets", "--limit", "10000")
            assert any(f"hostile {n}" in t["subject"] for t in tickets), name
        else:
            listed = rig.maild.json("quarantine", "list")
            assert listed and listed[0]["error"], name
    assert rig.maild.alive()
    figure("hostile mail, each followed by a normal one (name, size, next ack, CPU, peak RSS):")
    for name, size, wait, cpu, rss in rows:
        figure(
            f"  {name:32} {size / 1e6:7.2f} MB  next ack {wait:5.2f} s  "
            f"CPU {cpu:5.2f} s  RSS {rss} MB"
        )
    peak = max(r[4] for r in rows)
    assert peak <= 250, f"peak RSS {peak} MB"
