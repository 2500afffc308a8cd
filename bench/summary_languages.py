"""Render one manager's daily summary for 200 agents in each shipped language.

  python bench/summary_languages.py [--agents 200] [--repeat 10]

The mail's text and HTML parts, rendered the way the outbox renders them (every Msg in
the context said through the catalog, money, dates, numbers and shares by locale). The
peer is the same summary in English, from the same run: a language costs its catalog
look-ups and Babel's formatting, which should stay within a few tens of percent of it.
CPU time (time.process_time), best of REPEAT: the machine's load does not count.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from maild.adapters import i18n
from maild.adapters.render import Renderer, default_templates_dir
from maild.core import summary
from maild.core.contexts import Summary as View
from maild.core.notices import Notice

DAY = date(2026, 11, 22)


def facts(agents: int) -> summary.Facts:
    def agent(i: int) -> summary.AgentFacts:
        trend = tuple(
            summary.AgentDay(DAY - timedelta(days=7 - d), 3 + i % 4, 500 * (i % 7))
            for d in range(8)
        )
        return summary.AgentFacts(
            f"a{i}@acme.example", f"Agent Müller {i}", replies=9, solved=3 + i % 4, credits=2,
            credits_cents=500 * (i % 7) + 100, month_cents=9000, day_budget_cents=20000,
            month_budget_cents=100000, approvals={"approved": 1}, trend=trend, targets_near=1,
        )  # fmt: skip

    return summary.Facts(
        "maria@acme.example", DAY, ("tier1",), "EUR", opened=300, solved=250, open_at_end=80,
        first_response_s=tuple(float(60 * i) for i in range(300)), resolution_s=(3600.0,) * 200,
        agents=tuple(agent(i) for i in range(agents)),
    )  # fmt: skip


def timed(renderer: Renderer, notice: Notice, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        renderer.part(notice, "txt")
        renderer.part(notice, "html")
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    s = summary.summarise(facts(args.agents))
    values = View(s=s, day=DAY, teams="tier1").values()
    renderer = Renderer(default_templates_dir(), "support@acme.example", "Acme Support",
                        timezone="Europe/Berlin")  # fmt: skip
    results = {}
    for lang in i18n.shipped():
        notice = Notice(
            "manager/summary", "maria@acme.example", "Maria", 0, "<s@acme.example>",
            "support@acme.example", None, (), "auto-generated",
            {"ticket_id": 0, "support_name": "Acme Support", **values}, language=lang,
        )  # fmt: skip
        renderer.part(notice, "html")  # templates compiled, catalog loaded
        results[lang] = timed(renderer, notice, args.repeat)
    peer = results[i18n.SOURCE]
    print(f"summary of {args.agents} agents, text + HTML, CPU best of {args.repeat}")
    for lang, took in results.items():
        role = "(peer)" if lang == i18n.SOURCE else f"{took / peer:.2f}x the peer"
        print(f"  {lang}: {took * 1000:7.1f} ms  {role}")


if __name__ == "__main__":
    main()
