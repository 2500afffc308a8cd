"""The shipped unit as systemd reads it, and the exit status that stops it for good."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import unavailable

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "systemd" / "maild.service"


def _service() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text())
    return parser["Service"]


def test_systemd_analyze_verify_has_nothing_to_say(tmp_path):
    if shutil.which("systemd-analyze") is None:
        unavailable("no systemd-analyze (Debian: apt-get install systemd)")
    maild = Path(sys.executable).with_name("maild")
    unit = tmp_path / "maild.service"
    unit.write_text(UNIT.read_text().replace("/opt/maild/.venv/bin/maild", str(maild)))
    done = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    complaints = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if "maild.service" in line  # not the host's own units
    ]
    assert done.returncode == 0 and complaints == [], done.stdout + done.stderr


def test_a_bad_config_stops_the_unit_instead_of_a_restart_loop(tmp_path):
    service = _service()
    # RestartPreventExitStatus looks at the main process only: the check must be there.
    assert "ExecStartPre" not in service
    assert service["RestartPreventExitStatus"] == "78"
    assert service["Type"] == "notify" and service["Restart"] == "on-failure"
    bad = tmp_path / "maild.toml"
    bad.write_text('[suport]\naddress = "support@acme.example"\n')
    command = service["ExecStart"].split()
    command[0] = str(Path(sys.executable).with_name("maild"))
    command[command.index("/etc/maild/maild.toml")] = str(bad)
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 78
    assert "suport" in done.stderr and "did you mean" in done.stderr


def test_the_unit_points_at_documentation_the_install_puts_there():
    """Every `Documentation=` and path the unit's comments name exists after the install
    page's commands: they copy README.md and docs/ to /opt/maild."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read_string(UNIT.read_text())
    install = (ROOT / "docs" / "install.md").read_text()
    assert "sudo cp -r README.md docs /opt/maild/" in install
    named = parser["Unit"]["Documentation"].split()
    named += [w for w in UNIT.read_text().split() if w.startswith("/opt/maild/docs/")]
    for uri in named:
        path = uri.removeprefix("file://")
        assert path.startswith("/opt/maild/"), uri
        assert (ROOT / path.removeprefix("/opt/maild/")).is_file(), uri
