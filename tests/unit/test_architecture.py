"""core/ stays pure: no I/O, no clock, no environment, no database."""

import ast
from pathlib import Path

import maild.core

CORE = Path(maild.core.__file__).parent
FORBIDDEN = {
    "socket",
    "smtplib",
    "imaplib",
    "imapclient",
    "sqlalchemy",
    "sqlmodel",
    "os",
    "subprocess",
    "logging",
    "aiosmtpd",
    "requests",
    "time",
    "threading",
    "asyncio",
    "pathlib",
    "shutil",
    "maild.adapters",
    "maild.services",
    "maild.config",
    "random",
    "secrets",
    "tempfile",
}
FORBIDDEN_CALLS = {"now", "utcnow", "today", "open", "getenv"}


def _modules():
    for path in CORE.glob("*.py"):
        yield path, ast.parse(path.read_text())


def test_core_imports_no_io():
    for path, tree in _modules():
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not any(name == f or name.startswith(f + ".") for f in FORBIDDEN), (
                    f"{path.name} imports {name}"
                )


def test_core_never_reads_the_clock_or_files():
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                assert name not in FORBIDDEN_CALLS, f"{path.name} calls {name}()"
