"""The fault suite: `maild run` as its own process against a real Dovecot (behind a
proxy that can cut connections), a real aiosmtpd relay and, where it says so, a real
PostgreSQL. Randomness is seeded and the seed printed; MAILD_FAULT_SEED replays a
run. `./scripts/test` runs the short version; `./scripts/faults` sets
MAILD_FAULTS_LONG=1 for the long one, with figures."""

from __future__ import annotations

import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from maild.cli import main
from tests.peers import Dovecot, Proxy, SmtpSink, maild_config

LONG = os.environ.get("MAILD_FAULTS_LONG", "") == "1"
ROOT = Path(__file__).resolve().parents[2]


def scale(short: int, long: int) -> int:
    return long if LONG else short


ARTIFACTS = Path(os.environ.get("MAILD_TEST_ARTIFACTS", ROOT / "test-artifacts"))


@pytest.fixture(scope="session", autouse=True)
def fresh_figures() -> None:
    """Each run writes its own figures."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "faults.txt").write_text("")


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    seed = int(os.environ.get("MAILD_FAULT_SEED", random.randrange(2**32)))
    print(f"\n{request.node.name}: seed {seed} (MAILD_FAULT_SEED={seed} replays it)")
    return random.Random(seed)


def figure(text: str) -> None:
    """A measured figure: printed, and kept in test-artifacts/faults.txt for the README."""
    print(text)
    with open(ARTIFACTS / "faults.txt", "a") as f:
        f.write(text + "\n")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def describe(latencies: list[float]) -> str:
    return (
        f"p50 {percentile(latencies, 0.5):.2f} s, p99 {percentile(latencies, 0.99):.2f} s, "
        f"max {max(latencies):.2f} s, mean {statistics.mean(latencies):.2f} s"
    )


@dataclass
class Maild:
    """`maild run` as an administrator runs it: its own process, killed like one."""

    cfg: Path
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    peak_rss_kb: int = 0

    def start(self) -> Maild:
        self.cli("migrate")  # as the README's install does: the CLI reads it at once
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "maild", "--config", str(self.cfg), "run"],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env, "PYTHONPATH": str(ROOT)},
            )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> int:
        assert self.proc is not None
        if self.alive():
            self.proc.terminate()
        return self.proc.wait(timeout=30)

    def usage(self) -> tuple[float, int]:
        """CPU seconds used so far and peak RSS in MB, from /proc."""
        stat = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        cpu = (int(stat[11]) + int(stat[12])) / ticks
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                self.peak_rss_kb = int(line.split()[1])
        return cpu, self.peak_rss_kb // 1024

    def cli(self, *args: str) -> str:
        result = CliRunner().invoke(main, ["--config", str(self.cfg), *args], env=self.env)
        assert result.exit_code == 0, result.output
        return result.output

    def json(self, *args: str) -> list[dict]:
        return list(json.loads(self.cli(*args, "--json")))

    def logged(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class Rig:
    dovecot: Dovecot
    proxy: Proxy
    sink: SmtpSink
    user: str
    maild: Maild

    def append(self, raw: bytes) -> float:
        """APPEND a mail to the support INBOX; returns when, by time.monotonic()."""
        self.dovecot.append(self.user, raw)
        return time.monotonic()

    def acks_to(self, address: str) -> list[float]:
        return [r.at for r in self.sink.handler.to(address)]

    def wait_until(self, check, timeout: float, step: float = 0.05) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return True
            time.sleep(step)
        return bool(check())


# The long run sends hundreds of customers' acknowledgements within the hour, which is what
# the cap on acknowledgements ([limits] acks_per_hour, 200) stops: a fault test counts every
# mail's acknowledgement, so it raises the cap (tests/integration/test_spam.py tests the cap).
RIG_SETTINGS = 'log_level = "INFO"\n[limits]\nacks_per_hour = 1000000\n'


@pytest.fixture
def rig(tmp_path: Path, dovecot: Dovecot, imap_user: str, sink: SmtpSink) -> Iterator[Rig]:
    proxy = Proxy(dovecot.port)
    cfg = maild_config(
        tmp_path / "maild.toml",
        dovecot,
        imap_user,
        sink.port,
        extra=RIG_SETTINGS,
        imap_port=proxy.port,
    )
    daemon = Maild(cfg, tmp_path / "maild.log")
    yield Rig(dovecot, proxy, sink, imap_user, daemon)
    daemon.kill()
    proxy.close()
