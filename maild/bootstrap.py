"""The one place that builds concrete adapters from the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from threading import Event

from maild.adapters import clock as clocks
from maild.adapters import i18n, tokenkey
from maild.adapters.db.engine import make_engine, make_room, migrate, schema_problem
from maild.adapters.db.store import Database
from maild.adapters.langid import Detector
from maild.adapters.oauth.accounts import relay_tokens
from maild.adapters.render import Renderer, default_templates_dir
from maild.adapters.transport import MaildirTransport, Relay, SmtpTransport
from maild.config import Settings
from maild.core import auth, language, policy, targets
from maild.core.hours import Always, BusinessHours
from maild.core.model import Person, Role
from maild.core.notices import Addressing
from maild.core.people import Directory
from maild.health import Health
from maild.services.bounces import Bounces
from maild.services.digest import DigestJob
from maild.services.escalations import Escalations
from maild.services.ingest import Ingest
from maild.services.monitor import Monitor
from maild.services.outbox import Sender, Transport
from maild.services.presence import Presence, new_instance_id
from maild.services.retention import Housekeeping
from maild.services.rows import Queue
from maild.services.scheduler import Hourly, Job, Scheduler
from maild.services.staff.desk import StaffDesk, Staffing
from maild.services.summary import Summaries, SummaryJob
from maild.services.surveys import Surveys
from maild.services.targets import ResponseTargets


@dataclass
class App:
    settings: Settings
    db: Database
    ingest: Ingest
    sender: Sender
    scheduler: Scheduler
    summaries: Summaries
    targets: ResponseTargets
    outbox_wakeup: Event = field(default_factory=Event)
    keys: tokenkey.TokenKeys | None = None  # where the token key came from, its fingerprint

    def presence(self, health: Health | None = None) -> Presence:
        """This process, seen by other instances while it runs (its outbox leases hold);
        with the daemon's health, what its workers do and which token key it signs with
        (`maild status`)."""
        return Presence(
            self.db,
            self.ingest.clock,
            self.sender.instance,
            health=health,
            key_fingerprint=self.keys.fingerprint if self.keys else None,
        )


def directory(settings: Settings) -> Directory:
    """Who is who, each with the language maild writes to them in: their own, else
    their team's, else the top-level `language`."""
    team_lang = settings.language_of_team
    agents = [
        Person(a.email, a.name, Role.AGENT, a.team, a.language or team_lang(a.team))
        for a in settings.agents
    ]
    managers = [
        Person(t.manager, t.manager, Role.MANAGER, t.name, t.manager_language or team_lang(t.name))
        for t in settings.teams
        if t.manager
    ]
    owners = [
        Person(addr, name, Role.OWNER, e.name, e.language or settings.language)
        for e in settings.escalation
        for name, addr in e.owners
    ]
    return Directory.build(agents, managers, owners)


def digest_readers(settings: Settings, people: Directory) -> list[Person]:
    wanted = [people.person(a.email) for a in settings.agents if a.digest == "daily"]
    return [p for p in wanted if p is not None and p.role is Role.AGENT]


def limits_for(settings: Settings) -> Callable[[Person], policy.Limits]:
    """Each agent's limits: the defaults, their team's overrides, their own."""
    cache: dict[str, policy.Limits] = {}

    def limits(person: Person) -> policy.Limits:
        if person.email not in cache:
            values = settings.limits.for_agent(person.email, person.team)
            cache[person.email] = policy.Limits.from_mapping(values)
        return cache[person.email]

    return limits


def targets_for(settings: Settings) -> Callable[[str | None], targets.Targets]:
    """Each team's response targets in its business hours: defaults, then its own."""
    cache: dict[str | None, targets.Targets] = {}

    def for_team(team: str | None) -> targets.Targets:
        if team not in cache:
            given = settings.business_hours
            spec = given.teams.get(team or "", given) if given else None
            hours = spec.schedule(settings.timezone) if spec else Always()
            chosen = settings.targets.teams.get(team or "")
            minutes = {}
            for kind in (targets.FIRST, targets.NEXT):
                spans = {**getattr(settings.targets, kind), **getattr(chosen, kind, {})}
                for priority, span in spans.items():
                    minutes[(kind, priority)] = targets.span_minutes(span, hours)
            cache[team] = targets.Targets(minutes, hours, settings.targets.near)
        return cache[team]

    return for_team


def transport_factory(settings: Settings) -> Callable[[], Transport]:
    smtp = settings.smtp
    if smtp is None:
        path = settings.maildir_path()
        return lambda: MaildirTransport(path)
    oauth = smtp.auth == "oauth2" and smtp.oauth2 is not None
    relay = Relay(
        smtp.host,
        smtp.real_port,
        smtp.security,
        smtp.username,
        None if oauth else smtp.resolve_password("MAILD_SMTP_PASSWORD", "smtp"),
        smtp.timeout,
        smtp.ca_file,
        tokens=relay_tokens(smtp, settings.state_path()),
        mechanism=smtp.oauth2.mechanism.upper() if smtp.oauth2 else "XOAUTH2",
    )
    context = relay.tls_context()  # one per process, whatever the connections
    return lambda: SmtpTransport(relay, context)


class NotPrepared(Exception):
    """The state is not set up for this maild: `maild migrate` (or run, or ingest) does it."""


def prepare(settings: Settings) -> None:
    """Everything that must exist before maild can work, made once, idempotently:
    the state folder, the token key, the database schema at this maild's newest.
    The commands that take mail or change things call it; read-only ones do not."""
    state = settings.state_path()
    state.mkdir(parents=True, exist_ok=True)
    tokenkey.load(state, create=True)
    make_room(settings.database_url())
    engine = make_engine(settings.database_url())
    try:
        if schema_problem(engine) is not None:
            migrate(engine)
    finally:
        engine.dispose()


def build(settings: Settings, clock: Callable[[], datetime] | None = None) -> App:
    """Wire the app from the settings; it writes nothing (see prepare). Without a clock,
    the process's own: the wall clock, or the one `MAILD_CLOCK` sets."""
    clock = clock or clocks.from_env()
    engine = make_engine(settings.database_url())
    problem = schema_problem(engine)
    try:
        keys = tokenkey.load(settings.state_path())
    except tokenkey.NoTokenKey as exc:
        problem = problem or str(exc)
    if problem is not None:
        engine.dispose()
        raise NotPrepared(problem)
    db = Database(engine)
    support = settings.support
    wakeup = Event()
    templates = Path(settings.templates_dir) if settings.templates_dir else default_templates_dir()
    default_team = support.default_team or (settings.teams[0].name if settings.teams else None)
    people = directory(settings)
    for_team = targets_for(settings)
    addressing = Addressing(
        support.address,
        support.name,
        keys.current,
        settings.attachments.max_bytes,
        settings.language,
    )
    queue = Queue(
        Renderer(templates, support.address, support.name, timezone=settings.timezone),
        settings.outgoing.envelope_from or support.address,
        keys.current if settings.outgoing.verp else None,
    )
    # A new customer's language: the mail's header, else its text (the model loads in
    # the background; adapters.langid), among the languages maild has catalogs for.
    languages = language.Chooser(frozenset(i18n.shipped()), Detector())
    escalations = Escalations(
        teams={e.name: e for e in settings.escalation},
        directory=people,
        addressing=addressing,
        queue=queue,
    )
    staffing = Staffing(
        directory=people,
        addressing=addressing,
        auth=auth.Policy(
            support.address,
            tuple(keys.all),
            frozenset(i.lower() for i in settings.auth.trusted_authserv_ids),
            settings.auth.allow_missing_authserv_id,
        ),
        limits=limits_for(settings),
        managers={t.name: t.manager for t in settings.teams if t.manager},
        timezone=settings.timezone,
        receipts=settings.receipts.mode,
        expire_after=timedelta(hours=settings.approvals.expire_after_hours),
        for_team=for_team,
        languages=languages,
    )
    surveys = Surveys(people, addressing, queue, settings.survey, lambda t: for_team(t).hours)
    monitor = Monitor(
        people,
        addressing,
        queue,
        {t.name: t.manager for t in settings.teams if t.manager},
        {k.lower(): v for k, v in settings.monitor.items()},
    )
    desk = StaffDesk(staffing, queue, escalations, surveys, monitor)
    ingest = Ingest(
        db=db,
        directory=people,
        addressing=addressing,
        queue=queue,
        desk=desk,
        clock=clock,
        limits=settings.intake,
        default_team=default_team,
        operator=support.operator,
        on_queued=wakeup.set,
        surveys=surveys,
        monitor=monitor,
        spam_policy=settings.intake.spam_policy(),
        acks_per_hour=settings.limits.acks_per_hour,
        bounces=Bounces(people, addressing, queue),
        languages=languages,
    )
    sender = Sender(
        db,
        transport_factory(settings),
        clock,
        retry_for=timedelta(hours=settings.outgoing.retry_hours),
        batch_size=settings.outgoing.batch_size,
        instance=new_instance_id(),
    )
    managed: dict[str, list[str]] = {}
    for team in settings.teams:
        if team.manager:
            managed.setdefault(team.manager, []).append(team.name)
    teams_by_name = {e.name: e for e in settings.escalation}
    summaries = Summaries(
        db=db,
        settings=settings.summary,
        timezone=settings.timezone,
        teams=managed,
        directory=people,
        limits_for=desk.limits,
        escalation_periods=lambda t: teams_by_name[t].period if t in teams_by_name else None,
        addressing=addressing,
        queue=queue,
    )
    response_targets = ResponseTargets(
        directory=people,
        addressing=addressing,
        queue=queue,
        managers={t.name: t.manager for t in settings.teams if t.manager},
        for_team=for_team,
        teams=[t.name for t in settings.teams],
    )
    remind_every = timedelta(hours=settings.approvals.remind_every_hours)

    def digest_hours(team: str | None) -> BusinessHours | None:
        """The team's hours; none configured: no working day starts, no digest."""
        hours = for_team(team).hours
        return None if hours.always else hours

    jobs: list[Job] = [
        # approval reminders and expiry; the escalation watch: hourly
        Hourly(
            "approvals",
            db,
            lambda store, now: desk.approvals.remind_and_expire(store, now, remind_every),
            wakeup.set,
        ),
        Hourly("escalations", db, escalations.run_watch, wakeup.set),
        Hourly("monitor", db, monitor.hourly, wakeup.set),
        Hourly("targets", db, response_targets.run, wakeup.set, minutes=5),
        Hourly("housekeeping", db, Housekeeping(settings.retention.raw_days)),
        SummaryJob(summaries, wakeup.set),
        DigestJob(db, desk.views, digest_readers(settings, people), digest_hours, wakeup.set),
    ]
    scheduler = Scheduler(db, clock, jobs)
    return App(
        settings, db, ingest, sender, scheduler, summaries, response_targets, wakeup, keys=keys
    )
