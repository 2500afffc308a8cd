"""Settings: a TOML file checked strictly, secrets from the environment.

Where the file comes from: --config, else $MAILD_CONFIG, else
/etc/maild/maild.toml, else the embedded defaults. Secrets never have to be
in the file: each may come from an environment variable or a systemd
credential ($CREDENTIALS_DIRECTORY/<name>).
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from datetime import date, timedelta
from decimal import Decimal
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import email_validator
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy.engine import make_url

from maild.adapters.calendar import holidays_from_ics
from maild.adapters.i18n import known as known_language
from maild.core import mail, spam
from maild.core.hours import Always, BusinessHours, parse_days, parse_opening
from maild.core.targets import span_minutes

DEFAULT_PATH = Path("/etc/maild/maild.toml")
# A support desk on a private network is normal: "localhost", "corp.local" and
# "internal" domains are valid here. Only names that can never work stay refused.
email_validator.SPECIAL_USE_DOMAIN_NAMES[:] = [
    d for d in email_validator.SPECIAL_USE_DOMAIN_NAMES if d in {"invalid", "onion"}
]
EX_CONFIG = 78


class ConfigError(Exception):
    """A setting is wrong; the message names the key."""


def check_address(value: str) -> str:
    try:
        checked = validate_email(value, check_deliverability=False, globally_deliverable=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address ({exc})") from None
    return checked.normalized.lower()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Secret(Strict):
    """Where one password may come from, tried in this order."""

    password: str | None = None
    password_env: str | None = None
    password_credential: str | None = None

    def resolve_password(self, default_env: str, default_credential: str) -> str | None:
        if self.password:
            return self.password
        value = os.environ.get(self.password_env or default_env)
        if value:
            return value
        return read_credential(self.password_credential or default_credential)


def secret_from(value: str | None, env: str | None, credential: str | None) -> str | None:
    """A secret given in the file, else in the named environment variable, else in the
    named systemd credential: the same places as a password."""
    if value:
        return value
    if env and os.environ.get(env):
        return os.environ[env]
    return read_credential(credential) if credential else None


class OAuth2(Strict):
    """Where the access token for XOAUTH2 / OAUTHBEARER comes from (docs/oauth2.md)."""

    provider: Literal["microsoft", "google", "oauth2", "command"]
    mechanism: Literal["xoauth2", "oauthbearer"] = "xoauth2"
    # microsoft: the directory (tenant id or domain) and the app registration
    tenant: str | None = None
    client_id: str | None = None
    # microsoft app-only with a secret, or the oauth2 provider's client secret if it has one
    client_secret: str | None = None
    client_secret_env: str | None = None
    client_secret_credential: str | None = None  # default: the password's credential
    certificate_file: str | None = None  # microsoft app-only: PEM with the key and certificate
    # microsoft: client_credentials (app-only, with a secret or certificate; the default when
    # one is given) or device_code (delegated: `maild oauth login` once, then refresh tokens)
    flow: Literal["client_credentials", "device_code"] | None = None
    authority_host: str = "https://login.microsoftonline.com"  # other clouds: their host
    # google: the service account's JSON key, acting as `subject` (default: username)
    service_account_file: str | None = None
    service_account_env: str | None = None  # the JSON itself, in this variable
    subject: str | None = None
    # oauth2 (any provider): its endpoints, for device-code login and refresh tokens
    token_url: str | None = None
    device_authorization_url: str | None = None
    scopes: list[str] | None = None  # default: the provider's mail scopes
    # command: prints an access token (pizauth, oama ...); run for each login
    token_command: str | None = None
    ca_file: str | None = None  # trust this CA for the token endpoint (a private one)
    timeout: float = Field(default=30, gt=0)

    @model_validator(mode="after")
    def _complete(self) -> OAuth2:
        need: dict[str, tuple[str, ...]] = {
            "microsoft": ("tenant", "client_id"),
            "google": (),
            "oauth2": ("client_id", "token_url"),
            "command": ("token_command",),
        }
        missing = [k for k in need[self.provider] if not getattr(self, k)]
        if missing:
            raise ValueError(
                f'provider = "{self.provider}" needs {", ".join(missing)} '
                "(docs/oauth2.md shows a complete block)"
            )
        if self.provider == "microsoft" and self.certificate_file and self.flow == "device_code":
            raise ValueError('certificate_file is for flow = "client_credentials" (app-only)')
        return self

    def app_only(self, secret: str | None) -> bool:
        """Microsoft: client credentials (a secret or a certificate), else delegated."""
        if self.flow is not None:
            return self.flow == "client_credentials"
        return bool(secret or self.certificate_file)


class Authenticated(Secret):
    """A password (the default) or OAuth2, for a mailbox or the relay."""

    auth: Literal["password", "oauth2"] = "password"
    oauth2: OAuth2 | None = None

    @model_validator(mode="after")
    def _oauth2_given(self) -> Authenticated:
        if self.auth == "oauth2" and self.oauth2 is None:
            raise ValueError(
                'auth = "oauth2" needs an oauth2 table (provider = "microsoft", "google", '
                '"oauth2" or "command"; see docs/oauth2.md)'
            )
        return self

    def oauth_secret(self, default_credential: str) -> str | None:
        """The OAuth2 client secret (or a service account's JSON key) from the file, its
        variable or its credential (by default the one a password would come from)."""
        o = self.oauth2
        if o is None:
            return None
        if o.provider == "google":
            if o.service_account_file:
                return Path(o.service_account_file).read_text()
            return secret_from(
                None, o.service_account_env, o.client_secret_credential or default_credential
            )
        return secret_from(
            o.client_secret, o.client_secret_env, o.client_secret_credential or default_credential
        )


class Support(Strict):
    address: str = "support@localhost"
    name: str = "Support"
    default_team: str | None = None
    operator: str | None = None  # told by mail when a mail is quarantined

    _address = field_validator("address")(classmethod(lambda cls, v: check_address(v)))
    _operator = field_validator("operator")(
        classmethod(lambda cls, v: None if v is None else check_address(v))
    )


class Database(Strict):
    url: str | None = None


class Mailbox(Authenticated):
    name: str | None = None
    host: str
    port: int | None = None
    security: Literal["tls", "starttls", "none"] = "tls"
    username: str
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    quarantine_folder: str = "Quarantine"
    poll_seconds: float = Field(default=60, gt=0)
    idle: bool = True
    idle_renew_seconds: float = Field(default=600, gt=0, le=1680)
    # Leave IDLE for a NOOP this often: "auto" trusts a server that pushes new mail and
    # checks every 2 s once it has seen the server report mail late; 0 never checks.
    idle_check_seconds: float | Literal["auto"] = "auto"
    batch_size: int = Field(default=200, ge=1, le=5000)
    # Not checked successfully for this long: an ERROR in the log and a mail to
    # [support] operator (once per such stretch).
    alert_after_minutes: float = Field(default=15, gt=0)
    team: str | None = None
    ca_file: str | None = None

    @property
    def key(self) -> str:
        return self.name or f"{self.username}@{self.host}/{self.folder}"

    @property
    def real_port(self) -> int:
        return self.port or (993 if self.security == "tls" else 143)


class Smtp(Authenticated):
    host: str
    port: int | None = None
    security: Literal["tls", "starttls", "none"] = "starttls"
    username: str | None = None
    timeout: float = 30
    ca_file: str | None = None

    @property
    def real_port(self) -> int:
        return self.port or {"tls": 465, "starttls": 587, "none": 25}[self.security]


class Outgoing(Strict):
    maildir: str | None = None
    envelope_from: str | None = None
    # Each mail's own envelope sender, support+bounce-<mac>@domain: a bounce names
    # the mail (needs + addressing, as reply tokens do). false: envelope_from as is.
    verp: bool = True
    retry_hours: float = Field(default=48, gt=0)
    # Leased together: 100 costs the sender a third less CPU a mail than 50 did (issue
    # 29). Recorded as sent 25 at a time: a process killed mid-batch resends at most 25.
    batch_size: int = Field(default=100, ge=1)
    # true: `maild run` sends from a process of its own (a second core beside the
    # intake); "auto": so on PostgreSQL, a thread on SQLite (whose one writer both
    # processes would share); false: a thread of the daemon, one process in all. False
    # by default until measured on a machine with a core to spare (issue 29: on a
    # loaded 2-core machine the process gained nothing end to end).
    process: bool | Literal["auto"] = False


class IntakeSmtp(Strict):
    enabled: bool = True
    listen: str = "127.0.0.1:2525"
    protocol: Literal["smtp", "lmtp"] = "smtp"
    # The hard limit: a bigger mail is refused (552). Up to it, a mail over
    # max_message_bytes is kept as IMAP keeps it: its text, its attachments named.
    max_bytes: int = Field(default=100_000_000, gt=0)

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("expected HOST:PORT, e.g. 127.0.0.1:2525")
        return value

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]"), int(port)


class Intake(Strict):
    smtp: IntakeSmtp = IntakeSmtp()
    max_message_bytes: int = Field(default=25_000_000, gt=0)
    max_attachment_bytes: int = Field(default=10_000_000, ge=0)
    acks_per_sender_per_day: int = Field(default=3, ge=0)
    tickets_per_sender_per_hour: int = Field(default=5, ge=1)
    # The spam verdict headers your own MTA writes (and strips from incoming mail):
    # true for all maild knows, or their names; none by default (anyone can write them).
    trusted_spam_headers: bool | list[str] = []
    spam_score: float | None = None  # a filter's score at or over this is spam, too
    spam_scl: int = Field(default=5, ge=-1, le=9)  # Microsoft's spam confidence level
    # `maild run` parses a batch's mails ahead in a process of its own, the intake's
    # second core (adapters.parsepool); "auto": when maild may use more than one core.
    parse_process: bool | Literal["auto"] = "auto"

    def reading(self) -> mail.Limits:
        return mail.Limits(self.max_attachment_bytes, self.max_message_bytes)

    def parses_ahead(self) -> bool:
        if self.parse_process == "auto":
            return len(os.sched_getaffinity(0)) > 1
        return self.parse_process

    @field_validator("trusted_spam_headers")
    @classmethod
    def _spam_headers(cls, value: bool | list[str]) -> bool | list[str]:
        if isinstance(value, bool):
            return value
        unknown = sorted({v for v in value if v.lower() not in spam.KNOWN})
        if unknown:
            known = ", ".join(sorted(spam.KNOWN))
            raise ValueError(f"unknown spam header(s) {', '.join(unknown)} (known: {known})")
        return value

    def spam_policy(self) -> spam.Policy:
        given = self.trusted_spam_headers
        names = (spam.KNOWN if given else frozenset()) if isinstance(given, bool) else given
        return spam.Policy(frozenset(n.lower() for n in names), self.spam_score, self.spam_scl)

    @model_validator(mode="after")
    def _hard_limit(self) -> Intake:
        if self.smtp.max_bytes < self.max_message_bytes:
            raise ValueError(
                f"intake.smtp.max_bytes ({self.smtp.max_bytes}) is under max_message_bytes "
                f"({self.max_message_bytes}): the SMTP intake would refuse mail it could keep"
            )
        return self


def check_language(value: str | None) -> str | None:
    """A language tag Babel knows ("de", "fr", "pt-BR"): maild writes in it when it has
    its catalog, else in English."""
    if value is not None and not known_language(value):
        raise ValueError(f"'{value}' is not a language tag: write one like en, de, fr or es")
    return value


def _language_checked(name: str = "language") -> Any:
    return field_validator(name)(classmethod(lambda cls, v: check_language(v)))


class Agent(Strict):
    email: str
    name: str
    team: str | None = None
    digest: Literal["daily", "none"] = "daily"  # the queue by mail as their day starts
    language: str | None = None  # their mail from maild; default their team's

    _email = field_validator("email")(classmethod(lambda cls, v: check_address(v)))
    _language = _language_checked()


class Team(Strict):
    name: str
    manager: str | None = None
    language: str | None = None  # its agents' and manager's; default the top-level one
    manager_language: str | None = None  # the manager's, when it is not the team's

    _manager = field_validator("manager")(
        classmethod(lambda cls, v: None if v is None else check_address(v))
    )
    _language = _language_checked()
    _manager_language = _language_checked("manager_language")


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: str) -> timedelta:
    """'2d', '36h', '1.5d', '1w' -> a timedelta; anything else is an error."""
    match = _DURATION.match(value)
    if match is None:
        raise ValueError(
            f"'{value}' is not a duration: write a number and s, m, h, d or w, like 2d"
        )
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise ValueError("the duration must be more than 0")
    return timedelta(seconds=seconds)


class Escalation(Strict):
    """A team that takes escalated tickets (engineering, sales, billing...)."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    public_name: str | None = None  # what customers are told, e.g. "Engineering"
    # An address, or a list: a rota, each new escalation to the next owner in turn
    # (`#escalate eng b@acme.example` names one instead).
    owner: str | list[str]
    update_every: str = "2d"
    notify_customer_when_stale: bool = False
    language: str | None = None  # its owners' mail from maild; default the top-level one

    _language = _language_checked()

    @field_validator("owner")
    @classmethod
    def _owner(cls, value: str | list[str]) -> str | list[str]:
        owners = [value] if isinstance(value, str) else value
        if not owners:
            raise ValueError("name at least one owner address")
        for owner in owners:
            check_address(parseaddr(owner)[1])
        return value

    _update_every = field_validator("update_every")(
        classmethod(lambda cls, v: (parse_duration(v), v)[1])
    )

    @property
    def owners(self) -> list[tuple[str, str]]:
        """(name, address) of each owner, the default first; "Erin <erin@x>" or "erin@x"."""
        given = [self.owner] if isinstance(self.owner, str) else list(self.owner)
        found = []
        for owner in given:
            name, addr = parseaddr(owner)
            addr = check_address(addr)
            found.append((name or addr, addr))
        return found

    @property
    def period(self) -> timedelta:
        return parse_duration(self.update_every)

    @property
    def shown_name(self) -> str:
        return self.public_name or self.name


Money = Annotated[Decimal, Field(ge=0, max_digits=11, decimal_places=2)]


class LimitsOverride(Strict):
    """A team's or one agent's limits: only the keys given replace the defaults."""

    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    credit_per_ticket: Money | None = None
    credit_per_day: Money | None = None
    credit_per_month: Money | None = None
    credit_per_customer_30d: Money | None = None
    escalate_to: list[str] | None = None


class Limits(Strict):
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    credit_per_ticket: Money = Decimal(50)
    credit_per_day: Money = Decimal(200)
    credit_per_month: Money = Decimal(1000)
    credit_per_customer_30d: Money = Decimal(150)
    # Unset: an agent may escalate to every [[escalation]] team; a list restricts.
    escalate_to: list[str] | None = None
    # Acknowledgements to customers in one hour, all senders together: a flood of
    # forged senders cannot make maild a spam cannon (the tickets still open).
    acks_per_hour: int = Field(default=200, ge=0)
    teams: dict[str, LimitsOverride] = {}
    agents: dict[str, LimitsOverride] = {}

    def for_agent(self, email: str, team: str | None) -> dict[str, Any]:
        """The limits one agent works under: defaults, then the team's, then their own."""
        values = self.model_dump(exclude={"teams", "agents", "acks_per_hour"})
        for override in (self.teams.get(team or ""), self.agents.get(email.lower())):
            if override is not None:
                values.update(override.model_dump(exclude_none=True))
        return values


class Auth(Strict):
    # Authentication-Results headers are believed only from these servers (their
    # authserv-id); empty: no header check, the signed token alone proves the sender.
    trusted_authserv_ids: list[str] = []
    # Microsoft 365 writes Authentication-Results without an authserv-id.
    allow_missing_authserv_id: bool = False


class Receipts(Strict):
    mode: Literal["always", "errors"] = "always"


class Approvals(Strict):
    remind_every_hours: float = Field(default=4, gt=0)
    expire_after_hours: float = Field(default=72, gt=0)


class Metrics(Strict):
    # "127.0.0.1:9464" serves Prometheus metrics at /metrics (needs maild[metrics]).
    listen: str | None = None


class MonitorSpec(Strict):
    """What one manager watches without approving: FYI copies, each or hourly."""

    credits_from: Money | None = None  # credits at or over this amount
    escalations: bool = False
    reopened: bool = False
    mode: Literal["each", "hourly", "none"] = "each"


class SurveySettings(Strict):
    # When a ticket closes, one question to the customer, answered by reply.
    enabled: bool = True
    every_days: int = Field(default=30, ge=1)  # never more often to one customer
    # Sent this long after the closing (then at the team's next working moment):
    # asked in the same second, the customer has not yet seen whether it is solved.
    delay_hours: float = Field(default=24, ge=0)


class Retention(Strict):
    # Raw mail and attachments older than this are dropped (text, events and the
    # ledger stay). At least a week: a held credit re-runs its raw mail on #approve.
    raw_days: int = Field(default=90, ge=7)


class AttachmentsSettings(Strict):
    # The files one outgoing mail carries (a notification, an answer, #files); the
    # rest are named in it. 10 MB of files is about 13.7 MB on the wire (base64):
    # under the 20-25 MB most providers accept.
    max_bytes: int = Field(default=10_000_000, ge=0)


Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class SummaryTimes(Strict):
    """When a manager's daily summary goes out; every key may be overridden per manager."""

    time: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    timezone: str | None = None
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] | None = None
    when_empty: Literal["short", "none"] | None = None

    _tz = field_validator("timezone")(
        classmethod(lambda cls, v: v if v is None else _check_timezone(v))
    )


class SummarySettings(Strict):
    enabled: bool = True
    time: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    timezone: str | None = None  # default: the top-level timezone
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = list(DAYS)
    when_empty: Literal["short", "none"] = "short"
    managers: dict[str, SummaryTimes] = {}
    # A weekly mail on this day (at `time`): latitude against outcome over 12 weeks.
    weekly: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] | None = None

    _tz = field_validator("timezone")(
        classmethod(lambda cls, v: v if v is None else _check_timezone(v))
    )

    def for_manager(self, email: str, default_tz: str) -> dict[str, Any]:
        """time, timezone, days and when_empty for one manager, overrides applied."""
        values: dict[str, Any] = {
            "time": self.time,
            "timezone": self.timezone or default_tz,
            "days": list(self.days),
            "when_empty": self.when_empty,
        }
        override = self.managers.get(email.lower())
        if override is not None:
            values.update(override.model_dump(exclude_none=True))
        return values


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone '{value}' (use an IANA name like Europe/Berlin)"
        ) from None
    return value


Priority = Literal["low", "normal", "high", "urgent"]


class HoursSpec(Strict):
    """When a team works: `days` "mon-fri" (or a list), `hours` "09:00-17:00"."""

    timezone: str | None = None  # default: the top-level timezone
    days: str | list[str] = "mon-fri"
    hours: str = "09:00-17:00"
    holidays: list[date] = []
    holidays_file: str | None = None  # an iCalendar (.ics) file: each event a holiday

    _timezone = field_validator("timezone")(
        classmethod(lambda cls, v: v if v is None else _check_timezone(v))
    )
    _days = field_validator("days")(classmethod(lambda cls, v: (parse_days(v), v)[1]))
    _hours = field_validator("hours")(classmethod(lambda cls, v: (parse_opening(v), v)[1]))

    @field_validator("holidays_file")
    @classmethod
    def _readable(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                holidays_from_ics(value)
            except (OSError, ValueError) as exc:
                raise ValueError(f"cannot read holidays from {value}: {exc}") from exc
        return value

    def schedule(self, default_timezone: str) -> BusinessHours:
        opens, closes = parse_opening(self.hours)
        listed = holidays_from_ics(self.holidays_file) if self.holidays_file else frozenset()
        return BusinessHours(
            self.timezone or default_timezone,
            parse_days(self.days),
            opens,
            closes,
            frozenset(self.holidays) | listed,
        )


class BusinessHoursSettings(HoursSpec):
    teams: dict[str, HoursSpec] = {}  # a team's own hours, whole


def _check_spans(value: dict[str, str]) -> dict[str, str]:
    for spec in value.values():
        span_minutes(spec, Always())
    return value


class TargetSpec(Strict):
    # Working time per priority: "90m", "4h", "1d" (one working day).
    first_response: dict[Priority, str] = {}
    next_response: dict[Priority, str] = {}  # after the customer wrote again

    _first = field_validator("first_response")(classmethod(lambda cls, v: _check_spans(v)))
    _next = field_validator("next_response")(classmethod(lambda cls, v: _check_spans(v)))


class TargetsSettings(TargetSpec):
    near: float = Field(default=0.75, gt=0, lt=1)  # the reminder, as a share of the target
    teams: dict[str, TargetSpec] = {}  # a team's overrides, per priority


class Settings(Strict):
    state_dir: str | None = None
    timezone: str = "UTC"
    # The team's language: customers whose own is not known yet, and staff without theirs.
    language: str = "en"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    templates_dir: str | None = None
    support: Support = Support()
    database: Database = Database()
    mailboxes: list[Mailbox] = []
    smtp: Smtp | None = None
    outgoing: Outgoing = Outgoing()
    intake: Intake = Intake()
    agents: list[Agent] = []
    teams: list[Team] = []
    escalation: list[Escalation] = []
    limits: Limits = Limits()
    auth: Auth = Auth()
    receipts: Receipts = Receipts()
    approvals: Approvals = Approvals()
    summary: SummarySettings = SummarySettings()
    retention: Retention = Retention()
    attachments: AttachmentsSettings = AttachmentsSettings()
    metrics: Metrics = Metrics()
    business_hours: BusinessHoursSettings | None = None  # none: every minute counts
    targets: TargetsSettings = TargetsSettings()
    survey: SurveySettings = SurveySettings()
    monitor: dict[str, MonitorSpec] = {}  # manager's address -> what they watch

    _timezone = field_validator("timezone")(classmethod(lambda cls, v: _check_timezone(v)))
    _language = _language_checked()

    def languages_given(self) -> list[tuple[str, str]]:
        """Every language the config names, with where: (where, language)."""
        found = [("language", self.language)]
        found += [(f"[[teams]] {t.name}", t.language) for t in self.teams if t.language]
        found += [
            (f"[[teams]] {t.name} manager", t.manager_language)
            for t in self.teams
            if t.manager_language
        ]
        found += [(f"[[agents]] {a.email}", a.language) for a in self.agents if a.language]
        found += [(f"[[escalation]] {e.name}", e.language) for e in self.escalation if e.language]
        return found

    def language_of_team(self, team: str | None) -> str:
        given = next((t.language for t in self.teams if t.name == team), None)
        return given or self.language

    def state_path(self) -> Path:
        return Path(self.state_dir) if self.state_dir else default_state_path()

    def state_from_environment(self) -> str | None:
        """Why the state folder depends on who runs maild, or None when the config
        says where it is: the daemon under systemd and an MTA's pipe would each
        find their own database and token key."""
        if self.state_dir:
            return None
        source = (
            "$STATE_DIRECTORY (systemd)"
            if os.environ.get("STATE_DIRECTORY")
            else "$XDG_STATE_HOME"
            if os.environ.get("XDG_STATE_HOME")
            else f"the home folder of {Path.home()}"
        )
        return f"state_dir is not set, so it comes from {source}"

    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.state_path() / 'maild.db'}"

    def sender_process(self) -> bool:
        """Whether `maild run` sends from a process of its own ([outgoing] process)."""
        if self.outgoing.process == "auto":
            return make_url(self.database_url()).get_backend_name() == "postgresql"
        return self.outgoing.process

    def database_label(self) -> str:
        """The database URL as logs and messages show it: never the password."""
        return make_url(self.database_url()).render_as_string(hide_password=True)

    def maildir_path(self) -> Path:
        return (
            Path(self.outgoing.maildir) if self.outgoing.maildir else self.state_path() / "outgoing"
        )


def read_credential(name: str) -> str | None:
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    if not directory:
        return None
    path = Path(directory) / name
    return path.read_text().strip() if path.is_file() else None


def default_state_path() -> Path:
    """Where state goes when the config does not say: systemd's StateDirectory=,
    else the XDG state folder of whoever runs maild."""
    if os.environ.get("STATE_DIRECTORY"):
        return Path(os.environ["STATE_DIRECTORY"].split(":")[0])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "maild"


def unused_local_config(explicit: str | None) -> Path | None:
    """A ./maild.toml that this run does not read (maild init writes one there)."""
    local = Path("maild.toml")
    try:
        if not local.is_file():
            return None
    except OSError:  # run from a folder this user may not read (`sudo -u maild` in /root)
        return None
    used = config_path(explicit)
    if used is not None and used.is_file() and used.resolve() == local.resolve():
        return None
    return local.resolve()


def source(explicit: str | None) -> str:
    """Which config this run read, or where it looked: for a message that must say
    why maild sees another state than the one the reader has in mind."""
    path = config_path(explicit)
    if path is not None:
        return f"config: {path}"
    said = f"config: none found (looked for --config FILE, $MAILD_CONFIG, {DEFAULT_PATH})"
    local = unused_local_config(explicit)
    if local is not None:
        return f"{said}; {local} is read only when named: maild --config {local} ..."
    return f"{said}; name yours with --config FILE"


def config_path(explicit: str | None) -> Path | None:
    """The file to read, or None for embedded defaults."""
    if explicit:
        return Path(explicit)
    if os.environ.get("MAILD_CONFIG"):
        return Path(os.environ["MAILD_CONFIG"])
    return DEFAULT_PATH if DEFAULT_PATH.exists() else None


def load(explicit: str | None = None) -> tuple[Settings, Path | None]:
    path = config_path(explicit)
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text())
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such config file") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse(data, str(path or "embedded defaults")), path


def parse(data: dict[str, Any], origin: str = "config") -> Settings:
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError("\n".join(_explain(origin, err) for err in exc.errors())) from None
    _check_references(settings, origin)
    _check_secrets(settings, origin)
    return settings


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel]:
    model: type[BaseModel] = Settings
    key_next = False  # after a dict field comes a key of the user's choosing
    for part in loc:
        if isinstance(part, int) or key_next:
            key_next = False
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            break
        annotation = field.annotation
        options: tuple[Any, ...] = (*get_args(annotation), annotation)
        if get_origin(annotation) is dict:
            options, key_next = (get_args(annotation)[1],), True
        nested = [o for o in options if isinstance(o, type) and issubclass(o, BaseModel)]
        if not nested:
            break
        model = nested[0]
    return model


def _explain(origin: str, err: Any) -> str:
    key = _dotted(tuple(err["loc"]))
    if err["type"] == "extra_forbidden":
        model = _model_at(tuple(err["loc"][:-1]))
        close = difflib.get_close_matches(str(err["loc"][-1]), list(model.model_fields), 1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"{origin}: {key}: unknown key{hint}"
    message = str(err["msg"]).removeprefix("Value error, ")  # pydantic's, not ours
    return f"{origin}: {key}: {message}"


def _check_references(s: Settings, origin: str) -> None:
    teams = {t.name for t in s.teams}
    problems = []
    for i, agent in enumerate(s.agents):
        if agent.team and agent.team not in teams:
            problems.append(f"agents[{i}].team: no [[teams]] entry named '{agent.team}'")
    for i, box in enumerate(s.mailboxes):
        if box.team and box.team not in teams:
            problems.append(f"mailboxes[{i}].team: no [[teams]] entry named '{box.team}'")
    agents = {a.email for a in s.agents}
    escalations = {e.name for e in s.escalation}
    overrides: list[tuple[str, list[str] | None]] = [("limits", s.limits.escalate_to)]
    overrides += [(f"limits.teams.{k}", v.escalate_to) for k, v in s.limits.teams.items()]
    overrides += [(f'limits.agents."{k}"', v.escalate_to) for k, v in s.limits.agents.items()]
    for where, names in overrides:
        for name in names or []:
            if name not in escalations:
                problems.append(f"{where}.escalate_to: no [[escalation]] entry named '{name}'")
    for team in s.limits.teams:
        if team not in teams:
            problems.append(f"limits.teams.{team}: no [[teams]] entry named '{team}'")
    hours_teams = s.business_hours.teams if s.business_hours else {}
    for where, named in (("business_hours", hours_teams), ("targets", s.targets.teams)):
        for team in named:
            if team not in teams:
                problems.append(f"{where}.teams.{team}: no [[teams]] entry named '{team}'")
    for email in s.limits.agents:
        if email.lower() not in agents:
            problems.append(f'limits.agents."{email}": no [[agents]] entry with that email')
    managers = {t.manager for t in s.teams if t.manager}
    for email in s.summary.managers:
        if email.lower() not in managers:
            problems.append(f'summary.managers."{email}": no [[teams]] entry with that manager')
    if s.support.default_team and s.support.default_team not in teams:
        problems.append(
            f"support.default_team: no [[teams]] entry named '{s.support.default_team}'"
        )
    if problems:
        raise ConfigError("\n".join(f"{origin}: {p}" for p in problems))


def _oauth_problem(where: str, owner: Authenticated, credential: str) -> str | None:
    """What an OAuth2 block lacks to get a token, or None."""
    o = owner.oauth2
    assert o is not None
    try:
        secret = owner.oauth_secret(credential)
    except OSError as exc:
        return f"{where}.oauth2.service_account_file: cannot read it ({exc.strerror})"
    if o.provider == "google" and not secret:
        return (
            f"{where}.oauth2: missing the service account's key (set service_account_file, "
            f"service_account_env or the systemd credential '{credential}')"
        )
    if (
        o.provider == "microsoft"
        and o.flow == "client_credentials"
        and not (secret or o.certificate_file)
    ):
        return (
            f"{where}.oauth2: client_credentials needs a client secret (client_secret_env, "
            f"or the systemd credential '{credential}') or certificate_file"
        )
    if o.certificate_file and not Path(o.certificate_file).is_file():
        return f"{where}.oauth2.certificate_file: no such file {o.certificate_file}"
    return None


def _check_secrets(s: Settings, origin: str) -> None:
    problems = []
    for i, box in enumerate(s.mailboxes):
        if box.auth == "oauth2":
            problem = _oauth_problem(f"mailboxes[{i}]", box, f"imap-{i}")
            if problem:
                problems.append(problem)
        elif box.resolve_password("MAILD_IMAP_PASSWORD", f"imap-{i}") is None:
            problems.append(
                f"mailboxes[{i}].password: missing secret (set password_env, "
                f"$MAILD_IMAP_PASSWORD or the systemd credential 'imap-{i}')"
            )
    if s.smtp and s.smtp.auth == "oauth2":
        if not s.smtp.username:
            problems.append("smtp.username: OAuth2 needs the address to send as")
        problem = _oauth_problem("smtp", s.smtp, "smtp")
        if problem:
            problems.append(problem)
    elif (
        s.smtp
        and s.smtp.username
        and s.smtp.resolve_password("MAILD_SMTP_PASSWORD", "smtp") is None
    ):
        problems.append(
            "smtp.password: missing secret (set password_env, "
            "$MAILD_SMTP_PASSWORD or the systemd credential 'smtp')"
        )
    if problems:
        raise ConfigError("\n".join(f"{origin}: {p}" for p in problems))
