"""The command block: `#name args` lines at the top of a staff member's new text.

The block is the run of lines at the top that start with `#` (blank lines
allowed); the first other line ends it, and everything from there on is the
reply. Commands are a registry of small specs (name, who may use it, argument
grammar), as Mailman keeps its email commands. Parsing never guesses: an
amount like `-5`, `1e3`, `NaN`, `20,00` or `10.999` is an error with a reason.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from maild.core.language import primary
from maild.core.model import Person, Role, TicketStatus
from maild.core.policy import Money
from maild.core.words import N_, Msg, Said

_MACRO = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
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

    def __init__(self, why: Said) -> None:
        super().__init__(why)
        self.why = why  # str(self) is the English, for logs


class Refused(ValueError):
    """The command is well formed but cannot apply to this ticket; the message says why."""

    def __init__(self, why: Said) -> None:
        super().__init__(why)
        self.why = why


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
    reason: Said


@dataclass(frozen=True)
class TicketState:
    id: int
    customer: str
    status: str
    priority: str
    agent: str | None
    team: str | None
    language: str | None = None  # the customer's; None: the team's


@dataclass(frozen=True)
class Credit:
    amount: Decimal
    currency: str
    reason: str


@dataclass(frozen=True)
class EscalationState:
    team: str
    owner: str


@dataclass(frozen=True)
class Context:
    """What an effect may look at: the ticket, who acts, who the agents are."""

    ticket: TicketState
    actor: Person
    agents: tuple[Person, ...]
    currency: str
    escalation: EscalationState | None = None  # the ticket's open escalation
    teams: Mapping[str, str] = field(default_factory=dict)  # escalation team -> public name
    escalate_to: tuple[str, ...] | None = ()  # the teams this actor may escalate to; None: all
    owners: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # team -> its rota
    others: Mapping[int, TicketState] = field(default_factory=dict)  # tickets the block names
    macros: Mapping[str, str] = field(default_factory=dict)  # name -> its text, rendered
    languages: frozenset[str] = frozenset({"en"})  # those maild writes (#lang)


# What a command asks the desk to do beyond the ticket's own fields.
@dataclass(frozen=True)
class Escalate:
    team: str
    note: str
    owner: str | None = None  # named by the agent; else the team's rota picks


@dataclass(frozen=True)
class Ping:
    note: str


@dataclass(frozen=True)
class Update:
    pass


@dataclass(frozen=True)
class Return:
    note: str


@dataclass(frozen=True)
class Copy:
    """#cc add/remove: a colleague of the customer on copy of the ticket, or not."""

    address: str
    add: bool


@dataclass(frozen=True)
class Merge:
    """#merge N: this ticket folds into #N."""

    into: int


@dataclass(frozen=True)
class MarkSpam:
    """#spam: the ticket's sender is a spammer; their next mails are held as spam."""


Signal = Escalate | Ping | Update | Return | Copy | Merge | MarkSpam


@dataclass(frozen=True)
class Change:
    ticket: TicketState
    summary: Said  # for the receipt: what this line did
    announce: Msg | None = None  # a sentence for the customer, said in their language
    credit: Credit | None = None
    internal: bool = False  # nothing of this mail goes to the customer
    signal: Signal | None = None
    words: str | None = None  # text put in the reply where the command stood (#macro)


Effect = Callable[[Context, Mapping[str, object]], Change]


@dataclass(frozen=True)
class Spec:
    """Everything the desk needs to know of a command: who, its grammar, its effect,
    and what it asks of the desk. The services read these, never command names."""

    name: str
    roles: frozenset[Role]
    parse: Callable[[str], dict[str, object]]
    usage: str
    effect: Effect
    help: Said  # the receipt's #help: what it does, in the reader's language
    locks_budget: bool = False  # reads and spends a budget: lock it first (race-free)
    decides: str | None = None  # a manager's decision on a held mail: "approved", "denied"
    reason_required: Said | None = None  # refused without words after it, with this reason
    lists_help: bool = False  # the receipt lists the sender's commands and limits
    names_ticket: str | None = None  # the argument naming another ticket: the desk looks it up
    lists_macros: bool = False  # the receipt lists the canned replies
    names_macro: str | None = None  # the argument naming a canned reply: the desk fills it in
    coaches: bool = False  # a manager's words to an agent: the coaching path, not a decision
    sends_files: bool = False  # the ticket's files go to the sender, in mails under the cap
    asks: str | None = None  # a question to the desk (queue, show, find, customer): a mail back
    quiets: bool = False  # a forward opens its ticket without acknowledging the customer


@dataclass(frozen=True)
class Block:
    commands: tuple[Command, ...] = ()
    errors: tuple[CommandError, ...] = ()
    reply: str = ""


def parse_amount(text: str) -> Decimal:
    if not _AMOUNT.match(text):
        raise ArgumentError(
            N_(
                "'%(given)s' is not an amount: write a positive number with at most two "
                "decimal places and a dot, like 20 or 19.99",
                given=text,
            )
        )
    amount = Decimal(text)
    if amount <= 0:
        raise ArgumentError(N_("the amount must be more than 0"))
    return amount


def _credit(args: str) -> dict[str, object]:
    words = args.split()
    if not words:
        raise ArgumentError(N_("missing the amount, e.g. #credit 20 late delivery"))
    amount = parse_amount(words[0])
    currency = None
    if len(words) > 1 and words[1].upper() in CURRENCIES:
        currency = words[1].upper()
        words = words[1:]
    return {"amount": amount, "currency": currency, "reason": " ".join(words[1:])}


def _no_args(args: str) -> dict[str, object]:
    if args.strip():
        raise ArgumentError(N_("takes no arguments (got '%(got)s')", got=args.strip()))
    return {}


def _assign(args: str) -> dict[str, object]:
    words = args.split()
    if len(words) != 1:
        raise ArgumentError(N_("write one agent: a name, an email address, or 'me'"))
    return {"to": words[0]}


def _priority(args: str) -> dict[str, object]:
    value = args.strip().lower()
    if value not in PRIORITIES:
        raise ArgumentError(
            N_("priority must be one of %(choices)s", choices=", ".join(PRIORITIES))
        )
    return {"priority": value}


def _lang(args: str) -> dict[str, object]:
    language = primary(args)
    if language is None or len(args.split()) != 1:
        raise ArgumentError(N_("write one language code, like #lang de"))
    return {"language": language}


def _lang_effect(ctx: Context, args: Mapping[str, object]) -> Change:
    language = str(args["language"])
    if language not in ctx.languages:
        shown = ", ".join(sorted(ctx.languages))
        raise Refused(
            N_(
                "maild has no catalog for '%(language)s' (it writes %(shown)s)",
                language=language,
                shown=shown,
            )
        )
    return Change(
        replace(ctx.ticket, language=language),
        N_(
            "the customer's language set to %(language)s: maild writes to them in it from now on",
            language=language,
        ),
    )


def _optional_text(key: str) -> Callable[[str], dict[str, object]]:
    return lambda args: {key: args.strip()}


# effects: pure (ticket, args) -> Change, or Refused -------------------------
def _credit_effect(ctx: Context, args: Mapping[str, object]) -> Change:
    amount = args["amount"]
    assert isinstance(amount, Decimal)
    currency = str(args.get("currency") or ctx.currency)
    reason = str(args.get("reason") or "")
    money = Money(amount, currency)
    customer = ctx.ticket.customer
    return Change(
        ctx.ticket,
        N_(
            "credited %(money)s to %(customer)s (%(reason)s)",
            money=money,
            customer=customer,
            reason=reason,
        )
        if reason
        else N_("credited %(money)s to %(customer)s", money=money, customer=customer),
        # The reason is for the ledger, the receipt and the manager ("goodwill",
        # "sorry", "customer is difficult"): the customer is told the amount, and an
        # agent who wants to say why writes it in the answer.
        announce=N_(
            "A credit of %(amount)s has been added to your account.",
            amount=money,
        ),
        credit=Credit(amount, currency, reason),
    )


def _assign_effect(ctx: Context, args: Mapping[str, object]) -> Change:
    wanted = str(args["to"]).lower()
    if wanted == "me":
        if ctx.actor.role is not Role.AGENT:
            raise Refused(N_("only an agent can take a ticket"))
        found = [ctx.actor]
    else:
        found = [
            p
            for p in ctx.agents
            if wanted in {p.email, p.name.lower(), p.name.lower().split(" ")[0]}
        ]
    if not found:
        raise Refused(N_("no agent called '%(name)s'", name=str(args["to"])))
    if len(found) > 1:
        names = ", ".join(p.email for p in found)
        raise Refused(
            N_(
                "'%(name)s' could be %(names)s: write the email address",
                name=str(args["to"]),
                names=names,
            )
        )
    agent = found[0]
    return Change(
        replace(ctx.ticket, agent=agent.email, team=agent.team or ctx.ticket.team),
        N_("assigned to %(name)s <%(email)s>", name=agent.name, email=agent.email),
    )


def _status(status: str, announce: Msg | None) -> Effect:
    def effect(ctx: Context, args: Mapping[str, object]) -> Change:
        word = STATUS_WORDS[status]
        if ctx.ticket.status == status:
            return Change(ctx.ticket, N_("the ticket was %(status)s already", status=word))
        return Change(
            replace(ctx.ticket, status=status),
            N_("status set to %(status)s", status=word),
            announce,
        )

    return effect


def _priority_effect(ctx: Context, args: Mapping[str, object]) -> Change:
    priority = str(args["priority"])
    return Change(
        replace(ctx.ticket, priority=priority),
        N_("priority set to %(priority)s", priority=priority),
    )


def _note_effect(ctx: Context, args: Mapping[str, object]) -> Change:
    return Change(ctx.ticket, N_("kept internal: nothing goes to the customer"), internal=True)


def _spam_effect(ctx: Context, args: Mapping[str, object]) -> Change:
    return Change(
        replace(ctx.ticket, status=TicketStatus.CLOSED),
        N_(
            "closed as spam without a word to %(customer)s; their next mails are held"
            " as spam (maild quarantine release undoes it)",
            customer=ctx.ticket.customer,
        ),
        internal=True,
        signal=MarkSpam(),
    )


def _escalate_effect(ctx: Context, args: Mapping[str, object]) -> Change:
    team, note = str(args["team"]).lower(), str(args["note"])
    if team not in ctx.teams:
        if not ctx.teams:
            raise Refused(N_("no escalation team '%(team)s' (teams: none configured)", team=team))
        known = ", ".join(sorted(ctx.teams))
        raise Refused(
            N_("no escalation team '%(team)s' (teams: %(known)s)", team=team, known=known)
        )
    if ctx.escalate_to is not None and team not in ctx.escalate_to:
        allowed: Said = ", ".join(ctx.escalate_to) or N_("none")
        raise Refused(
            N_(
                "your limits do not let you escalate to %(team)s (you may: %(allowed)s)",
                team=team,
                allowed=allowed,
            )
        )
    if ctx.escalation is not None and ctx.escalation.team == team:
        raise Refused(
            N_("the ticket is escalated to %(team)s already (#ping nudges its owner)", team=team)
        )
    owner = args.get("owner")
    rota = ctx.owners.get(team, ())
    if owner is not None and owner not in rota:
        raise Refused(
            N_(
                "%(owner)s is not an owner of %(team)s (owners: %(rota)s)",
                owner=str(owner),
                team=team,
                rota=", ".join(rota),
            )
        )
    public = ctx.teams[team]
    return Change(
        replace(ctx.ticket, status=TicketStatus.OPEN),
        N_("escalated to %(team)s (was %(was)s)", team=team, was=ctx.escalation.team)
        if ctx.escalation
        else N_("escalated to %(team)s", team=team),
        announce=N_(
            "Your request has gone to our %(team)s team. %(name)s stays your contact and will"
            " keep you posted.",
            team=public,
            name=ctx.actor.name,
        ),
        signal=Escalate(team, note, str(owner) if owner else None),
    )


def _escalated(ctx: Context, owner_only: bool) -> EscalationState:
    if ctx.escalation is None:
        raise Refused(N_("the ticket is not escalated"))
    if owner_only and ctx.escalation.owner != ctx.actor.email:
        raise Refused(
            N_("the ticket is escalated to %(owner)s, not to you", owner=ctx.escalation.owner)
        )
    return ctx.escalation


def _ping_effect(ctx: Context, args: Mapping[str, object]) -> Change:
    escalation = _escalated(ctx, owner_only=False)
    nudged = N_("nudged %(owner)s", owner=escalation.owner)
    return Change(ctx.ticket, nudged, signal=Ping(str(args["note"])))


def _update_effect(ctx: Context, args: Mapping[str, object]) -> Change:
    _escalated(ctx, owner_only=True)
    update = N_("your text goes to the customer as an update")
    return Change(ctx.ticket, update, signal=Update())


def _return_effect(ctx: Context, args: Mapping[str, object]) -> Change:
    _escalated(ctx, owner_only=True)
    return Change(
        replace(ctx.ticket, status=TicketStatus.OPEN),
        N_("handed back to the ticket's agent"),
        internal=True,
        signal=Return(str(args["note"])),
    )


_TICKET = re.compile(r"^#?(\d{1,12})$")


def _decision(args: str) -> dict[str, object]:
    """#approve/#deny: the whole text, and a leading ticket number split off for a
    reply to the summary (`#approve 123 fine`); the desk knows which applies."""
    text = args.strip()
    first, _, rest = text.partition(" ")
    number = _TICKET.match(first)
    return {
        "text": text,
        "ticket": int(number.group(1)) if number else None,
        "rest": rest.strip() if number else text,
    }


def _escalate_args(args: str) -> dict[str, object]:
    """TEAM, then an owner's address if the next word is one, then the note."""
    team, _, rest = args.strip().partition(" ")
    if not team:
        raise ArgumentError(N_("missing the team, e.g. #escalate eng export fails over 2 GB"))
    first, _, after = rest.strip().partition(" ")
    if "@" in first and _ADDRESS.match(first):
        return {"team": team.lower(), "owner": first.lower(), "note": after.strip()}
    return {"team": team.lower(), "owner": None, "note": rest.strip()}


def _cc_args(args: str) -> dict[str, object]:
    words = args.split()
    if len(words) != 2 or words[0].lower() not in ("add", "remove"):
        raise ArgumentError(N_("write #cc add ADDRESS or #cc remove ADDRESS"))
    if not _ADDRESS.match(words[1]):
        raise ArgumentError(N_("'%(address)s' is not an email address", address=words[1]))
    return {"add": words[0].lower() == "add", "address": words[1].lower()}


def _cc_effect(ctx: Context, args: Mapping[str, object]) -> Change:
    address, add = str(args["address"]), bool(args["add"])
    if address == ctx.ticket.customer:
        raise Refused(N_("%(address)s is the ticket's customer", address=address))
    if any(p.email == address for p in ctx.agents):
        raise Refused(N_("%(address)s is an agent: agents see the ticket anyway", address=address))
    done = (
        N_("%(address)s is on copy of the ticket", address=address)
        if add
        else N_("%(address)s is no longer on copy of the ticket", address=address)
    )
    return Change(ctx.ticket, done, signal=Copy(address, add))


def _merge_args(args: str) -> dict[str, object]:
    words = args.split()
    if not words or not _TICKET.match(words[0]) or len(words) > 2:
        raise ArgumentError(N_("write #merge 123 (the ticket this one folds into) [force]"))
    if len(words) == 2 and words[1].lower() != "force":
        raise ArgumentError(
            N_("'%(word)s': only 'force' may follow the ticket number", word=words[1])
        )
    return {"into": int(words[0].lstrip("#")), "force": len(words) == 2}


def _merge_effect(ctx: Context, args: Mapping[str, object]) -> Change:
    number = int(str(args["into"]))
    target = ctx.others.get(number)
    if target is None:
        raise Refused(N_("there is no ticket #%(number)s", number=str(number)))
    if target.id == ctx.ticket.id:
        raise Refused(N_("a ticket cannot be merged into itself"))
    if target.customer != ctx.ticket.customer and not args["force"]:
        raise Refused(
            N_(
                "#%(number)s is another customer's (%(customer)s): write #merge %(number)s force"
                " to fold this one into it anyway; the messages of both customers are then in"
                " one ticket, and answers on #%(number)s go to %(customer)s",
                number=str(number),
                customer=target.customer,
            )
        )
    return Change(
        replace(ctx.ticket, status=TicketStatus.CLOSED),
        N_("merged into #%(number)s", number=str(number)),
        # the number as it is written in a subject, [#1234], never "1.234"
        announce=N_(
            "We are handling this request together with ticket #%(number)s: please use that"
            " number from now on.",
            number=str(number),
        ),
        signal=Merge(number),
    )


def _macro_args(args: str) -> dict[str, object]:
    name = args.strip().lower()
    if not _MACRO.match(name):
        raise ArgumentError(N_("write #macro NAME (letters, digits, - and _); #macros lists them"))
    return {"name": name}


def _macro_effect(ctx: Context, args: Mapping[str, object]) -> Change:
    name = str(args["name"])
    if name not in ctx.macros:
        known: Said = ", ".join(sorted(ctx.macros)) or N_("none")
        raise Refused(
            N_("no canned reply '%(name)s' (there are: %(known)s)", name=name, known=known)
        )
    put = N_("canned reply '%(name)s' put in your answer", name=name)
    return Change(ctx.ticket, put, words=ctx.macros[name])


def _show_args(args: str) -> dict[str, object]:
    words = args.split()
    if len(words) != 1 or not _TICKET.match(words[0]):
        raise ArgumentError(N_("write #show 123 (the ticket's number)"))
    return {"ticket": int(words[0].lstrip("#"))}


def _find_args(args: str) -> dict[str, object]:
    words = re.findall(r"\w+\*?", args)
    if not words:
        raise ArgumentError(N_("write #find and a few words, e.g. #find refund kettle"))
    return {"words": args.strip()}


def _customer_args(args: str) -> dict[str, object]:
    words = args.split()
    address = words[0].strip("<>").lower() if len(words) == 1 else ""
    if not _ADDRESS.match(address):
        raise ArgumentError(N_("write #customer and one email address"))
    return {"address": address}


def _nothing(summary: Msg) -> Effect:
    return lambda ctx, args: Change(ctx.ticket, summary)


_AGENT = frozenset({Role.AGENT})
_STAFF = frozenset({Role.AGENT, Role.OWNER, Role.MANAGER})
_DESK = frozenset({Role.AGENT, Role.MANAGER})  # a manager: for every team they manage
_ANSWERED = N_("answered in a mail of its own")
# The words a status takes in a receipt ("status set to closed"); the status itself
# stays what it is in the database.
STATUS_WORDS: Mapping[str, Msg] = {
    "pending": N_("pending"),
    "closed": N_("closed"),
    TicketStatus.OPEN: N_("open"),
}
ROLE_WORDS: Mapping[str, Msg] = {
    Role.AGENT: N_("agents"),
    Role.OWNER: N_("owners"),
    Role.MANAGER: N_("managers"),
}

REGISTRY: Mapping[str, Spec] = {
    spec.name: spec
    for spec in (
        Spec(
            "credit",
            _AGENT,
            _credit,
            "#credit AMOUNT [CUR] [reason]",
            _credit_effect,
            N_("credit the ticket's customer, within your limits"),
            locks_budget=True,
        ),
        Spec(
            "assign",
            _AGENT,
            _assign,
            "#assign NAME|EMAIL|me",
            _assign_effect,
            N_("give the ticket to another agent (or take it)"),
        ),
        Spec(
            "pending",
            _AGENT,
            _no_args,
            "#pending",
            _status("pending", None),
            N_("wait for the customer"),
        ),
        Spec(
            "close",
            _AGENT,
            _no_args,
            "#close",
            _status(
                "closed",
                N_(
                    "We have closed this request. If you need anything else, just reply to this"
                    " mail."
                ),
            ),
            N_("close the ticket (the customer is told)"),
        ),
        Spec(
            "spam",
            _AGENT,
            _no_args,
            "#spam",
            _spam_effect,
            N_(
                "close the ticket as spam, without a word to the sender; their next mails are"
                " held as spam"
            ),
        ),
        Spec(
            "quiet",
            _AGENT,
            _no_args,
            "#quiet",
            _nothing(N_("no acknowledgement goes to the customer")),
            N_(
                "with a forwarded customer mail: open its ticket without acknowledging the customer"
            ),
            quiets=True,
        ),
        Spec(
            "reopen",
            _AGENT,
            _no_args,
            "#reopen",
            _status(TicketStatus.OPEN, None),
            N_("open the ticket again"),
        ),
        Spec(
            "priority",
            _AGENT,
            _priority,
            "#priority low|normal|high|urgent",
            _priority_effect,
            N_("set the ticket's priority"),
        ),
        Spec(
            "merge",
            _AGENT,
            _merge_args,
            "#merge N [force]",
            _merge_effect,
            N_("fold this ticket into #N (a duplicate); mail to either lands on #N"),
            names_ticket="into",
        ),
        Spec(
            "macro",
            _AGENT,
            _macro_args,
            "#macro NAME",
            _macro_effect,
            N_("put a canned reply (templates/macros/NAME.txt.j2) into your answer, there"),
            names_macro="name",
        ),
        Spec(
            "macros",
            _AGENT,
            _no_args,
            "#macros",
            _nothing(N_("the canned replies are listed in the receipt")),
            N_("list the canned replies"),
            lists_macros=True,
        ),
        Spec(
            "cc",
            _AGENT,
            _cc_args,
            "#cc add|remove ADDRESS",
            _cc_effect,
            N_("put a colleague of the customer on copy of your answers, or take them off"),
        ),
        Spec(
            "escalate",
            _AGENT,
            _escalate_args,
            "#escalate TEAM [OWNER] [note]",
            _escalate_effect,
            N_(
                "hand the ticket to a team's escalation owner (the next in its rota, or the one"
                " you name); you stay the contact"
            ),
        ),
        Spec(
            "ping",
            _AGENT,
            _optional_text("note"),
            "#ping [note]",
            _ping_effect,
            N_("nudge the escalation owner"),
        ),
        Spec(
            "update",
            frozenset({Role.OWNER}),
            _no_args,
            "#update",
            _update_effect,
            N_("your text goes to the customer (the agent gets a copy)"),
        ),
        Spec(
            "return",
            frozenset({Role.OWNER}),
            _optional_text("note"),
            "#return [note]",
            _return_effect,
            N_("hand the ticket back to its agent"),
        ),
        Spec(
            "note",
            frozenset({Role.AGENT, Role.OWNER}),
            _no_args,
            "#note",
            _note_effect,
            N_("keep this mail internal: nothing goes to the customer"),
        ),
        Spec(
            "files",
            frozenset({Role.AGENT, Role.OWNER}),
            _no_args,
            "#files",
            _nothing(N_("the ticket's files are on their way to you")),
            N_("get the ticket's files by mail (in as many mails as the size cap needs)"),
            sends_files=True,
        ),
        Spec(
            "queue",
            _DESK,
            _no_args,
            "#queue",
            _nothing(_ANSWERED),
            N_(
                "your open tickets, your team's unassigned ones, those waiting for the customer"
                " and your escalated ones, the most urgent first, each with a reply link"
            ),
            asks="queue",
        ),
        Spec(
            "show",
            _DESK,
            _show_args,
            "#show N",
            _nothing(_ANSWERED),
            N_("the whole history of ticket #N of your team, to act on it from there"),
            asks="show",
        ),
        Spec(
            "find",
            _DESK,
            _find_args,
            "#find WORDS",
            _nothing(_ANSWERED),
            N_(
                "your team's tickets with all these words (subject, customer, messages; word*"
                " for a prefix), newest first"
            ),
            asks="find",
        ),
        Spec(
            "customer",
            _DESK,
            _customer_args,
            "#customer ADDRESS",
            _nothing(_ANSWERED),
            N_("every ticket of this customer in your team, newest first"),
            asks="customer",
        ),
        Spec(
            "help",
            _STAFF,
            _no_args,
            "#help",
            _nothing(N_("your commands and limits are listed below")),
            N_("this list, your limits and what is left today"),
            lists_help=True,
        ),
        Spec(
            "approve",
            frozenset({Role.MANAGER}),
            _decision,
            "#approve [note]",
            _nothing(N_("approved")),
            N_("let a held mail take effect"),
            decides="approved",
        ),
        Spec(
            "deny",
            frozenset({Role.MANAGER}),
            _decision,
            "#deny reason",
            _nothing(N_("denied")),
            N_("refuse a held mail; the agent is told your reason"),
            decides="denied",
            reason_required=N_("#deny needs a reason for the agent"),
        ),
        Spec(
            "coach",
            frozenset({Role.MANAGER}),
            _decision,
            "#coach [N] text",
            _nothing(N_("coaching sent")),
            N_(
                "words for the ticket's agent: nothing changes, nothing is undone (N: the ticket,"
                " when you answer the summary)"
            ),
            coaches=True,
            reason_required=N_("#coach needs your words for the agent"),
        ),
        Spec(
            "lang",
            _AGENT,
            _lang,
            "#lang de|fr|es|en",
            _lang_effect,
            N_("the language maild writes to the customer in, on this and their next tickets"),
        ),
    )
}


def spec(command: Command) -> Spec:
    """The registry's entry for a parsed command (parsing only yields registered names)."""
    return REGISTRY[command.name]


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
            errors.append(CommandError(number, raw, unknown(name, role, registry)))
            continue
        if role not in spec.roles:
            role_words = ROLE_WORDS.get(role, N_("agents"))
            why = N_("#%(name)s is not a command for %(role)s", name=spec.name, role=role_words)
            errors.append(CommandError(number, raw, why))
            continue
        try:
            commands.append(Command(spec.name, spec.parse(args), number, raw))
        except ArgumentError as exc:
            why = N_(
                "#%(name)s: %(why)s (usage: %(usage)s)",
                name=spec.name,
                why=exc.why,
                usage=spec.usage,
            )
            errors.append(CommandError(number, raw, why))
    return Block(tuple(commands), tuple(errors), reply)


def unknown(name: str, role: Role, registry: Mapping[str, Spec] = REGISTRY) -> Msg:
    """The reason for a name no spec has: the closest command this person may use,
    if one is close (a typo), and where the whole list is."""
    mine = [s.name for s in commands_for(role, registry)]
    close = difflib.get_close_matches(name.lower(), mine, n=1, cutoff=0.6)
    if close:
        return N_(
            "unknown command '#%(name)s': did you mean #%(close)s? (#help lists your commands)",
            name=name,
            close=close[0],
        )
    return N_("unknown command '#%(name)s' (#help lists your commands)", name=name)


def commands_for(role: Role, registry: Mapping[str, Spec] = REGISTRY) -> list[Spec]:
    return [spec for spec in registry.values() if role in spec.roles]
