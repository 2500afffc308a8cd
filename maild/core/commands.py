"""The command block: `#name args` lines at the top of a staff member's new text.

The block is the run of lines at the top that start with `#` (blank lines
allowed); the first other line ends it, and everything from there on is the
reply. Commands are a registry of small specs (name, who may use it, argument
grammar), as Mailman keeps its email commands. Parsing never guesses: an
amount like `-5`, `1e3`, `NaN`, `20,00` or `10.999` is an error with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from maild.core.model import Role

_AMOUNT = re.compile(r"^\d{1,9}(?:\.\d{1,2})?$")
CURRENCIES = frozenset(
    [
        "USD",
        "EUR",
        "GBP",
        "CHF",
        "CAD",
        "AUD",
        "NZD",
        "JPY",
        "CNY",
        "SEK",
        "NOK",
        "DKK",
        "PLN",
        "CZK",
        "HUF",
        "INR",
        "BRL",
        "MXN",
        "ZAR",
        "SGD",
        "HKD",
    ]
)
PRIORITIES = ("low", "normal", "high", "urgent")


class ArgumentError(ValueError):
    """The arguments do not fit the command's grammar; the message says why."""


@dataclass(frozen=True)
class Command:
    name: str
    args: Mapping[str, object]
    line: int  # 1-based line number in the new text
    raw: str


@dataclass(frozen=True)
class CommandError:
    line: int
    raw: str
    reason: str


@dataclass(frozen=True)
class Spec:
    name: str
    roles: frozenset[Role]
    parse: Callable[[str], dict[str, object]]
    usage: str


@dataclass(frozen=True)
class Block:
    commands: tuple[Command, ...] = ()
    errors: tuple[CommandError, ...] = ()
    reply: str = ""


def parse_amount(text: str) -> Decimal:
    if not _AMOUNT.match(text):
        raise ArgumentError(
            f"'{text}' is not an amount: write a positive number with at most two "
            "decimal places and a dot, like 20 or 19.99"
        )
    amount = Decimal(text)
    if amount <= 0:
        raise ArgumentError("the amount must be more than 0")
    return amount


def _credit(args: str) -> dict[str, object]:
    words = args.split()
    if not words:
        raise ArgumentError("missing the amount, e.g. #credit 20 late delivery")
    amount = parse_amount(words[0])
    currency = None
    if len(words) > 1 and words[1].upper() in CURRENCIES:
        currency = words[1].upper()
        words = words[1:]
    return {"amount": amount, "currency": currency, "reason": " ".join(words[1:])}


def _no_args(args: str) -> dict[str, object]:
    if args.strip():
        raise ArgumentError(f"takes no arguments (got '{args.strip()}')")
    return {}


def _assign(args: str) -> dict[str, object]:
    words = args.split()
    if len(words) != 1:
        raise ArgumentError("write one agent: a name, an email address, or 'me'")
    return {"to": words[0]}


def _priority(args: str) -> dict[str, object]:
    value = args.strip().lower()
    if value not in PRIORITIES:
        raise ArgumentError(f"priority must be one of {', '.join(PRIORITIES)}")
    return {"priority": value}


def _optional_text(key: str) -> Callable[[str], dict[str, object]]:
    return lambda args: {key: args.strip()}


def _required_text(key: str, what: str) -> Callable[[str], dict[str, object]]:
    def parse(args: str) -> dict[str, object]:
        if not args.strip():
            raise ArgumentError(f"missing {what}")
        return {key: args.strip()}

    return parse


_AGENT = frozenset({Role.AGENT})
_STAFF = frozenset({Role.AGENT, Role.OWNER, Role.MANAGER})

REGISTRY: Mapping[str, Spec] = {
    spec.name: spec
    for spec in (
        Spec("credit", _AGENT, _credit, "#credit AMOUNT [CUR] [reason]"),
        Spec("assign", _AGENT, _assign, "#assign NAME|EMAIL|me"),
        Spec("pending", _AGENT, _no_args, "#pending"),
        Spec("close", _AGENT, _no_args, "#close"),
        Spec("reopen", _AGENT, _no_args, "#reopen"),
        Spec("priority", _AGENT, _priority, "#priority low|normal|high|urgent"),
        Spec("note", frozenset({Role.AGENT, Role.OWNER}), _no_args, "#note"),
        Spec("help", _STAFF, _no_args, "#help"),
        Spec("approve", frozenset({Role.MANAGER}), _optional_text("note"), "#approve [note]"),
        Spec(
            "deny",
            frozenset({Role.MANAGER}),
            _required_text("reason", "the reason"),
            "#deny reason",
        ),
    )
}


def split_block(text: str) -> tuple[list[tuple[int, str]], str]:
    """The command lines (numbered) and the reply that follows them."""
    lines = text.replace("\r\n", "\n").split("\n")
    block: list[tuple[int, str]] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("#"):
            block.append((index + 1, stripped))
        elif stripped:
            return block, "\n".join(lines[index:]).strip()
    return block, ""


def parse_block(text: str, role: Role, registry: Mapping[str, Spec] = REGISTRY) -> Block:
    """Parse the command block of a staff member's new text, checking who may use what."""
    numbered, reply = split_block(text)
    commands: list[Command] = []
    errors: list[CommandError] = []
    for number, raw in numbered:
        name, _, args = raw[1:].strip().partition(" ")
        spec = registry.get(name.lower())
        if spec is None:
            errors.append(CommandError(number, raw, f"unknown command '#{name}'"))
            continue
        if role not in spec.roles:
            errors.append(CommandError(number, raw, f"#{spec.name} is not for a {role}"))
            continue
        try:
            commands.append(Command(spec.name, spec.parse(args), number, raw))
        except ArgumentError as exc:
            errors.append(CommandError(number, raw, f"#{spec.name}: {exc} (usage: {spec.usage})"))
    return Block(tuple(commands), tuple(errors), reply)
