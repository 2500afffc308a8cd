"""The `maild` command."""

from __future__ import annotations

import itertools
import json
import logging
import os
import shlex
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from sqlalchemy.exc import DBAPIError

from maild import cli_oauth, config, views
from maild.adapters import clock as clocks
from maild.adapters import i18n, logs, memory, systemd, tokenkey
from maild.adapters.db.engine import backup as engine_backup
from maild.adapters.db.engine import db_cause, ping
from maild.adapters.db.store import Store
from maild.bootstrap import App, NotPrepared, build, prepare
from maild.cliargs import JSON_HELP, ConfigAnywhere
from maild.core import compose, mail
from maild.core import reply as replies
from maild.core.intake import RawMail, TransientError, Verdict
from maild.core.model import OutboxStatus, QuarantineStatus, TicketStatus
from maild.core.retry import backoff_seconds
from maild.core.text import duration_words
from maild.services import retention
from maild.services.inspect import inspect as dry_run_inspect
from maild.timeline import sentence as event_words

EX_TEMPFAIL = 75
EX_NOT_RUNNING = 3  # `maild status` with no live maild, as `systemctl status` says it
log = logging.getLogger("maild")


def _settings(ctx: click.Context) -> tuple[config.Settings, Path | None]:
    try:
        return config.load(ctx.obj.get("config"))
    except config.ConfigError as exc:
        click.echo(f"maild: configuration error:\n{exc}", err=True)
        ctx.exit(config.EX_CONFIG)
        raise  # unreachable: ctx.exit raises


def _app(
    ctx: click.Context,
    *,
    writes: bool = False,
    wait_for_database: bool = False,
    quiet: bool = False,
) -> App:
    """The app for one command. `writes`: a command that takes mail or changes
    things prepares the state first (folder, token key, schema); a read-only one
    on a state never prepared says so and exits 1, creating nothing.
    An unreachable database is one line and exit 75 (try again later); the daemon
    instead waits for it, saying so in the log. `quiet`: only warnings and errors
    on stderr (an MTA's pipe puts what a command prints into its delivery status)."""
    settings, _ = _settings(ctx)
    level = max(logging.getLevelName(settings.log_level), logging.WARNING if quiet else 0)
    logs.setup(level, settings.log_format)
    if settings.log_level != "DEBUG":
        # aiosmtpd logs every SMTP command and Alembic every check at INFO.
        for chatty in ("mail.log", "alembic"):
            logging.getLogger(chatty).setLevel(logging.WARNING)
    for delay in retry_delays():
        try:
            if writes:
                prepare(settings)
            app = build(settings)
        except NotPrepared as exc:
            click.echo(
                f"maild: not set up yet: {exc}.\n{config.source(ctx.obj.get('config'))}\n"
                "Run `maild migrate` first with the same config "
                "(maild run and maild ingest do it themselves).",
                err=True,
            )
            ctx.exit(1)
        except DBAPIError as exc:
            problem = f"database {settings.database_label()} unreachable: {db_cause(exc)}"
            if not wait_for_database:
                click.echo(f"maild: {problem}", err=True)
                ctx.exit(EX_TEMPFAIL)
            log.warning("%s; retrying in %.0f s", problem, delay)
            systemd.waiting(f"waiting for the {problem}", delay)
            time.sleep(delay)
            continue
        ctx.call_on_close(app.db.engine.dispose)  # close pooled connections at the end
        return app
    raise AssertionError("unreachable: retry_delays() never ends")


def retry_delays() -> Iterator[float]:
    """1 s, 2 s, 4 s ... at most a minute apart, for ever."""
    return (backoff_seconds(n, base=1, cap=60) for n in itertools.count(1))


def _print(rows: list[dict[str, Any]], as_json: bool, columns: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    if not rows:
        click.echo("(none)")
        return
    widths = {c: max(len(c), *(len(str(r.get(c) or "")[:60]) for r in rows)) for c in columns}
    click.echo("  ".join(c.upper().ljust(widths[c]) for c in columns))
    for row in rows:
        click.echo("  ".join(str(row.get(c) or "")[:60].ljust(widths[c]) for c in columns))


@click.group(cls=ConfigAnywhere)
@click.option(
    "--config",
    "config_file",
    metavar="FILE",
    help="Config file (default: $MAILD_CONFIG, else /etc/maild/maild.toml); "
    "before or after the command's name.",
)
@click.version_option(package_name="maild", prog_name="maild", message="%(prog)s %(version)s")
@click.pass_context
def main(ctx: click.Context, config_file: str | None) -> None:
    """maild: an email-driven ticketing daemon."""
    ctx.obj = {"config": config_file}


@main.command()
@click.argument("path", required=False, default="maild.toml")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option(
    "--state-dir",
    metavar="DIR",
    help="Where the database and token key live (default: ./maild-state beside the config; "
    "/var/lib/maild with --system or for a config under /etc).",
)
@click.option(
    "--system",
    is_flag=True,
    help="A config for the system service: state in /var/lib/maild, where systemd's "
    "StateDirectory= keeps it.",
)
def init(path: str, force: bool, state_dir: str | None, system: bool) -> None:
    """Write a documented config file to PATH (default ./maild.toml).

    The config names its state folder, so the daemon, an MTA's pipe and an
    administrator's commands all find the same database whoever runs them. A trial's
    config keeps its state beside it: even as root, a walkthrough never writes into
    the folder the service will use."""
    target = Path(path).absolute()
    if target.exists() and not force:
        raise click.ClickException(f"{target} exists; use --force to overwrite it")
    packaged = Path(config.__file__).parent / "maild.example.toml"
    source = (
        packaged
        if packaged.exists()
        else Path(__file__).parents[1] / "config" / "maild.example.toml"
    )
    system = system or str(target.resolve()).startswith("/etc/")
    where = state_dir or ("/var/lib/maild" if system else str(target.parent / "maild-state"))
    text = source.read_text().replace(
        '# state_dir = "/var/lib/maild"', f"state_dir = {json.dumps(where)}", 1
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    _write_private(target, text)
    shown = shlex.quote(_shown_path(target))
    me = _invoked_as()
    click.echo(f"wrote {target} (state in {where}). Put your own team, agents and manager in it,")
    click.echo(f"then check it:  {me} --config {shown} check-config")
    click.echo(f"and run it:     {me} --config {shown} run")


def _write_private(target: Path, text: str) -> None:
    """The config is 0640 from its first byte: secrets (a relay password) go in later."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    os.fchmod(fd, 0o640)
    with os.fdopen(fd, "w") as out:
        out.write(text)


def _shown_path(path: Path) -> str:
    """PATH as the person typed it: relative to where they stand, when it is below."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _invoked_as() -> str:
    """How to call this maild again from the same folder: `maild` when that is what PATH
    finds, else the path it was started by (`.venv/bin/maild`)."""
    argv0 = Path(sys.argv[0])
    if argv0.name == "__main__.py":
        return f"{shlex.quote(sys.executable)} -m maild"
    found = shutil.which("maild")
    if found and argv0.name == "maild" and Path(found).resolve() == argv0.resolve():
        return "maild"
    if argv0.name != "maild":  # embedded (the tests' CliRunner): the installed command
        return "maild" if found else f"{shlex.quote(sys.executable)} -m maild"
    return shlex.quote(_shown_path(argv0.absolute()))


@main.command("check-config")
@click.pass_context
def check_config(ctx: click.Context) -> None:
    """Check the config; name every wrong key and exit 78 when one is wrong, 75 when
    the database cannot be reached."""
    from maild import probe  # imapclient and smtplib: not for every command's start

    settings, path = _settings(ctx)
    click.echo(f"config: {path or 'embedded defaults'}: OK")
    click.echo(f"  support:   {settings.support.name} <{settings.support.address}>")
    click.echo(f"  state:     {settings.state_path()}")
    ok, found = ping(settings.database_url())
    reach = found if ok else f"WARNING: unreachable: {found}"
    click.echo(f"  database:  {settings.database_label()} ({reach})")
    for line in _key_check(settings, reachable=ok):
        click.echo(f"  {line}")
    click.echo(f"  mailboxes: {', '.join(b.key for b in settings.mailboxes) or 'none'}")
    for index, box in enumerate(settings.mailboxes):
        click.echo(f"    {box.key}: {probe.mailbox_login(box, index)}")
    out = (
        f"smtp {settings.smtp.host}:{settings.smtp.real_port}: {probe.relay(settings.smtp)}"
        if settings.smtp
        else f"maildir {settings.maildir_path()}"
    )
    click.echo(f"  outgoing:  {out}")
    intake = settings.intake.smtp
    click.echo(f"  intake:    {'SMTP and LMTP on ' + intake.listen if intake.enabled else 'off'}")
    click.echo(f"  agents:    {len(settings.agents)}, teams: {len(settings.teams)}")
    shipped = ", ".join(i18n.shipped())
    click.echo(f"  languages: {settings.language} (the team's); maild writes {shipped}")
    cli_oauth.echo_checks(settings)
    for warning in config_warnings(settings, ctx.obj.get("config")):
        click.echo(f"WARNING: {warning}")
    if not ok:  # a script or ExecCondition= can wait and try again
        ctx.exit(EX_TEMPFAIL)


def _key_check(settings: config.Settings, reachable: bool) -> list[str]:
    """The token key's source and fingerprint, and whether the running processes agree."""
    from maild import status as report

    try:
        keys = tokenkey.load(settings.state_path())
    except tokenkey.NoTokenKey:
        made_by = "maild migrate, run or ingest makes one"
        return [f"token key: none yet ({made_by} in {settings.state_path()})"]
    lines = [f"token key: {keys.source}, fingerprint {keys.fingerprint}"]
    if not reachable:
        return lines
    try:
        app = build(settings)
    except NotPrepared:
        return lines
    try:
        with app.db.transaction() as store:
            return report.key_lines(report.token_key(app, store, app.ingest.clock()))
    finally:
        app.db.engine.dispose()


def config_warnings(settings: config.Settings, explicit: str | None) -> list[str]:
    """What would surprise a newcomer: said by check-config and the daemon's first lines."""
    out = []
    moved = settings.state_from_environment()
    if moved:
        out.append(
            f"{moved}; another user, or systemd, would use another database: "
            f'set state_dir (e.g. state_dir = "{settings.state_path()}")'
        )
    if not settings.agents:
        out.append(
            "no [[agents]]: a customer is told someone will answer, and nobody is notified "
            "of new tickets"
        )
    if os.environ.get(clocks.ENV):
        out.append(
            f"{clocks.ENV}={os.environ[clocks.ENV]} sets maild's clock (meant for tests): "
            "unset it to run on the real date"
        )
    local = config.unused_local_config(explicit)
    if local is not None:
        out.append(f"{local} is not used: pass it with maild --config {local} ...")
    shipped = i18n.shipped()
    for where, lang in settings.languages_given():
        if lang not in shipped:
            out.append(
                f"{where}: maild has no catalog for '{lang}', so it writes English there "
                f"(it writes {', '.join(shipped)}; docs/languages.md says how to add one)"
            )
    out.extend(cli_oauth.oauth_warnings(settings))
    return out


@main.command()
@click.option(
    "--once", is_flag=True, help="Take all waiting mail, run due jobs, send due mail, then exit."
)
@click.option(
    "--mailbox",
    "mailboxes",
    multiple=True,
    envvar="MAILD_MAILBOXES",
    metavar="NAME",
    help="Read only this mailbox (its name, or user@host/folder); repeat for more. "
    "Default: every mailbox no other instance reads. Also $MAILD_MAILBOXES (space-separated).",
)
@click.pass_context
def run(ctx: click.Context, once: bool, mailboxes: tuple[str, ...]) -> None:
    """Run the daemon (or one pass with --once)."""
    from maild.adapters.intake_smtp import IntakeUnavailable
    from maild.daemon import Daemon, run_once

    memory.return_big_buffers()
    app = _app(ctx, writes=True, wait_for_database=not once)
    unknown = set(mailboxes) - {k for b in app.settings.mailboxes for k in (b.key, b.name) if k}
    if unknown:
        click.echo(f"maild: no such mailbox: {', '.join(sorted(unknown))}", err=True)
        ctx.exit(config.EX_CONFIG)
    if once:
        ctx.exit(run_once(app, mailboxes))
    for warning in config_warnings(app.settings, ctx.obj.get("config")):
        log.warning(warning)
    daemon = Daemon(
        app,
        ctx.obj.get("config"),
        sender_process=app.settings.sender_process(),
        mailboxes=mailboxes,
    )
    daemon.install_signals()
    try:
        ctx.exit(daemon.serve())
    except IntakeUnavailable as exc:  # another maild has the port, most likely
        click.echo(f"maild: {exc}", err=True)
        ctx.exit(EX_TEMPFAIL)


@main.command()
@click.argument("source", type=click.File("rb"))
@click.pass_context
def ingest(ctx: click.Context, source: Any) -> None:
    """Take one mail from FILE, or from - (stdin, for an MTA pipe).

    Exit 0 once stored, 75 (EX_TEMPFAIL) on a transient failure so the MTA retries.
    """
    raw = source.read()
    try:
        app = _app(ctx, writes=True, quiet=True)
        [outcome] = app.ingest([RawMail(raw, "pipe")])
    except (TransientError, OSError, DBAPIError) as exc:
        click.echo(f"maild: temporary failure, try again: {exc}", err=True)
        ctx.exit(EX_TEMPFAIL)
    ticket = f" #{outcome.ticket_id}" if outcome.ticket_id else ""
    click.echo(f"{outcome.verdict}{ticket}{': ' + outcome.reason if outcome.reason else ''}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.option("--status", type=click.Choice([str(s) for s in TicketStatus]))
@click.option("--limit", default=100, show_default=True)
@click.option("--due", is_flag=True, help="Tickets waiting for a person, soonest target first.")
@click.pass_context
def tickets(ctx: click.Context, as_json: bool, status: str | None, limit: int, due: bool) -> None:
    """List tickets, newest first (with --due: by response target)."""
    if due:
        _print(_due(_app(ctx)), as_json, views.DUE_COLUMNS)
        return
    with _app(ctx).db.transaction() as store:
        rows = [views.TicketView.model_validate(t).dump() for t in store.tickets(status, limit)]
    _print(rows, as_json, ["id", "status", "customer", "agent", "subject"])


def _due(app: App) -> list[dict[str, Any]]:
    with app.db.transaction() as store:
        found = app.targets.due(store, app.ingest.clock())
        return [views.DueView.of(t, d).dump() for t, d in found]


@main.command()
@click.argument("number", type=int)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.option("--full", is_flag=True, help="Customer replies whole, with the mail they quoted.")
@click.pass_context
def ticket(ctx: click.Context, number: int, as_json: bool, full: bool) -> None:
    """Show one ticket: its messages and events, in order."""
    app = _app(ctx)
    with app.db.transaction() as store:
        row = store.ticket(number)
        if row is None:
            raise click.ClickException(f"no ticket #{number}")
        files: dict[int, list[dict[str, object]]] = {}
        for f in store.ticket_files(number):
            files.setdefault(f.message_id, []).append(views.file_shown(f))
        timeline = []
        for m in store.messages(number):
            item = {**views.MessageView.model_validate(m).dump(), "files": files.get(m.id or 0, [])}
            if replies.quote_left_out(m.notes):
                whole = _whole_text(app, store, m.inbound_id) if full else None
                item["quote"] = "shown" if whole is not None else "collapsed"
                item["text"] = whole if whole is not None else item["text"]
            timeline.append(item)
        timeline += [views.EventView.model_validate(e).dump() for e in store.events(number)]
    timeline.sort(key=lambda x: (x["at"], x["type"] == "event", x["id"]))
    data = {**views.TicketView.model_validate(row).dump(), "timeline": timeline}
    if as_json:
        click.echo(json.dumps([data], indent=2, default=str))
        return
    click.echo(f"#{row.id} [{row.status}] {row.subject}")
    language = row.language or f"{app.settings.language} (the team's)"
    click.echo(
        f"customer: {row.customer_name} <{row.customer}>  agent: {row.agent or '-'}  "
        f"team: {row.team or '-'}  priority: {row.priority}  language: {language}"
    )
    for item in timeline:
        if item["type"] == "message":
            click.echo(f"\n--- {item['at']} {item['kind']} mail from {item['author']}")
            click.echo(item["text"])
            if item.get("quote") == "collapsed":
                click.echo(f"{replies.COLLAPSED} (maild ticket {number} --full shows it)")
            for note in item["notes"]:
                click.echo(f"(note: {note})")
            for f in item["files"]:
                click.echo(f"(file: {f['name']}, {f['size']} bytes, {f['type']}: {f['state']})")
        else:
            said = event_words(item["kind"], item["actor"], item["detail"])
            click.echo(f"\n*** {item['at']} {said}")


def _whole_text(app: App, store: Store, inbound_id: int | None) -> str | None:
    """A customer's reply as they sent it, quote and all, read again from the raw mail."""
    found = store.inbound(inbound_id) if inbound_id is not None else None
    if found is None or not found.raw:
        return None
    limits = app.ingest.limits
    return mail.parse(
        found.raw,
        max_attachment_bytes=limits.max_attachment_bytes,
        max_message_bytes=limits.max_message_bytes,
    ).text


@main.command()
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.option("--status", type=click.Choice([str(s) for s in OutboxStatus]))
@click.option("--limit", default=100, show_default=True)
@click.pass_context
def outbox(ctx: click.Context, as_json: bool, status: str | None, limit: int) -> None:
    """Outgoing mail: queued, sent, failed (with the reason)."""
    with _app(ctx).db.transaction() as store:
        rows = [views.OutboxView.model_validate(o).dump() for o in store.outbox(status, limit)]
    for row in rows:
        row["to"] = ", ".join(row["recipients"])
    _print(rows, as_json, ["id", "status", "ticket", "template", "to", "attempts", "last_error"])


@main.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.pass_context
def quarantine(ctx: click.Context, as_json: bool) -> None:
    """Mail maild could not read or act on, kept with its raw bytes (default: list)."""
    ctx.obj["json"] = as_json
    if ctx.invoked_subcommand is None:
        ctx.invoke(quarantine_list)


@quarantine.command("list")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.option("--spam", "spam_only", is_flag=True, help="The mail held as spam instead.")
@click.pass_context
def quarantine_list(ctx: click.Context, as_json: bool = False, spam_only: bool = False) -> None:
    """List quarantined mails (with --spam: the mail held as spam)."""
    from maild.adapters.db import spam

    with _app(ctx).db.transaction() as store:
        found = spam.held(store.session) if spam_only else spam.not_spam(store.session)
        rows = [views.QuarantineView.of(q).dump() for q in found]
    columns = ["id", "status", "date", "from", "subject", "size", "error"]
    _print(rows, as_json or ctx.obj.get("json", False), columns)


@quarantine.command("show")
@click.argument("number", type=int)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.pass_context
def quarantine_show(ctx: click.Context, number: int, as_json: bool) -> None:
    """Show one quarantined mail: the error, the traceback and the raw mail."""
    with _app(ctx).db.transaction() as store:
        row = store.quarantine(number)
        if row is None:
            raise click.ClickException(f"no quarantined mail #{number}")
        data = views.QuarantineView.of(row, with_raw=True).dump()
    if as_json or ctx.obj.get("json"):
        click.echo(json.dumps([data], indent=2, default=str))
        return
    click.echo(f"#{data['id']} [{data['status']}] from {data['source']}: {data['error']}")
    click.echo(data["traceback"])
    click.echo(data["raw"])


@quarantine.command("retry")
@click.argument("number", type=int)
@click.pass_context
def quarantine_retry(ctx: click.Context, number: int) -> None:
    """Feed a quarantined mail through intake again (after a fix or an upgrade)."""
    app = _app(ctx, writes=True)
    with app.db.transaction() as store:
        row = store.quarantine(number)
        if row is None:
            raise click.ClickException(f"no quarantined mail #{number}")
        if row.status == QuarantineStatus.RELEASED:
            raise click.ClickException(f"#{number} was released already")
        if row.status == QuarantineStatus.SPAM:
            raise click.ClickException(f"#{number} is spam: maild quarantine release {number}")
        raw = row.raw
    [outcome] = app.ingest([RawMail(raw, f"quarantine:{number}")])
    if outcome.verdict is Verdict.QUARANTINED:
        click.echo(f"still failing: {outcome.reason}", err=True)
        ctx.exit(1)
    with app.db.transaction() as store:
        row = store.quarantine(number)
        assert row is not None
        row.status = QuarantineStatus.RELEASED
        row.released_ticket_id = outcome.ticket_id
    click.echo(
        f"released: {outcome.verdict}{' #' + str(outcome.ticket_id) if outcome.ticket_id else ''}"
    )


@quarantine.command("release")
@click.argument("number", type=int)
@click.pass_context
def quarantine_release(ctx: click.Context, number: int) -> None:
    """Take a held mail as if just received: spam becomes a ticket (and its sender's
    #spam mark goes); an unreadable mail is tried again."""
    from maild.services.release import NotReleased, release

    app = _app(ctx, writes=True)
    try:
        outcome = release(app.db, app.ingest, number)
    except NotReleased as exc:
        raise click.ClickException(str(exc)) from exc
    ticket = f" #{outcome.ticket_id}" if outcome.ticket_id else ""
    click.echo(f"released: {outcome.verdict}{ticket}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.option("--no-imap", is_flag=True, help="Do not ask the mailboxes how much mail waits.")
@click.pass_context
def status(ctx: click.Context, as_json: bool, no_imap: bool) -> None:
    """How maild is doing: running processes and their workers, each mailbox, the
    outbox, the scheduler's last runs."""
    from maild import status as report

    app = _app(ctx)
    with app.db.transaction() as store:
        found = report.report(app, store, app.ingest.clock(), ask_mailboxes=not no_imap)
    if as_json:
        click.echo(json.dumps(found, indent=2, default=str))
        ctx.exit(0 if found["running"] else EX_NOT_RUNNING)
    click.echo(f"database: {found['database']}")
    for line in report.key_lines(found["token_key"]):
        click.echo(line)
    if not found["running"]:
        click.echo(f"maild: not running{_last_seen(found['last_seen'])}")
    for i in found["instances"]:
        click.echo(f"maild {i['id']}: running, seen {i['seen_seconds_ago']} s ago")
        for worker, w in i["workers"].items():
            click.echo(f"  {worker}: {'STUCK, ' if w.get('stuck') else ''}{w.get('state')}")
    for m in found["mailboxes"]:
        waiting = m["waiting"] if m["waiting"] is not None else m.get("error", "not asked")
        click.echo(
            f"mailbox {m['mailbox']}: {'connected' if m['connected'] else 'NOT connected'}"
            f" ({m['mode'] or '-'}), {m['state']}, last check {m['last_check'] or 'never'},"
            f" waiting: {waiting}"
        )
    o = found["outbox"]
    oldest = o.get("oldest_deferred_seconds")
    click.echo(
        f"outbox: {o['queued']} queued, {o['deferred']} deferred"
        + (f" (the oldest waiting {oldest} s)" if oldest is not None else "")
        + f", {o['failed']} failed, {o['sent']} sent"
    )
    for run_ in found["scheduler"]:
        click.echo(f"job {run_['job']}: last period {run_['period']} at {run_['started_at']}")
    ctx.exit(0 if found["running"] else EX_NOT_RUNNING)


def _last_seen(last: dict[str, Any] | None) -> str:
    if last is None:
        return ""
    ago = str(duration_words(last["seen_seconds_ago"] / 86400))
    return f" (the last one, pid {last['pid']} on {last['host']}, was seen {ago} ago)"


@main.command()
@click.argument("address")
@click.option("--yes", is_flag=True, help="Erase for real (without it: say what would go).")
@click.pass_context
def forget(ctx: click.Context, address: str, yes: bool) -> None:
    """Erase a customer's personal data: name, address, message texts, attachments,
    raw mail. Ticket numbers, counts and the ledger's amounts stay, pseudonymised."""
    app = _app(ctx, writes=True)
    with app.db.transaction() as store:
        erased = retention.forget(store, address, app.ingest.clock())
        if not yes:
            store.session.rollback()  # the same path, undone: a dry run
    said = ", ".join(f"{count} {kind}" for kind, count in erased.items())
    if yes:
        from maild.adapters.db.erase import compact

        compact(app.db.engine)  # SQLite's free pages and WAL must not keep the words
    if not yes:
        click.echo(f"would erase {address}: {said}; run again with --yes to do it")
        return
    click.echo(f"erased {address} ({retention.pseudonym(address)} from now on): {said}")


@main.command()
@click.argument("target", type=click.Path(dir_okay=False))
@click.pass_context
def backup(ctx: click.Context, target: str) -> None:
    """A consistent copy of the SQLite database, taken while maild runs."""
    app = _app(ctx)
    if app.db.engine.dialect.name != "sqlite":
        raise click.ClickException("PostgreSQL: use pg_dump (see docs/operations.md, Backup)")
    pages = engine_backup(app.db.engine, Path(target))
    click.echo(f"wrote {target} ({pages} pages)")


@main.command()
@click.argument("ticket", type=int)
@click.option("--as", "person", required=True, metavar="EMAIL", help="The agent (or manager).")
@click.argument("text", required=False)
@click.pass_context
def reply(ctx: click.Context, ticket: int, person: str, text: str | None) -> None:
    """Answer ticket N as EMAIL would from a mail client (TEXT, else stdin).

    The reply answers the latest mail maild sent EMAIL about that ticket, so it
    carries that mail's token, and goes through intake like any mail: commands
    (#credit 20, #close) run, the words reach the customer, EMAIL gets a receipt.
    For trying the agent's side when outgoing mail goes to the local folder."""
    app = _app(ctx, writes=True)
    with app.db.transaction() as store:
        sent = store.latest_to(ticket, person.lower())
    if sent is None:
        raise click.ClickException(f"maild sent {person} nothing about ticket #{ticket}")
    words = text if text is not None else sys.stdin.read()
    raw = compose.reply_to(sent.raw, person, words, app.ingest.clock())
    [outcome] = app.ingest([RawMail(raw, "cli")])
    click.echo(f"{outcome.verdict} #{outcome.ticket_id}: {outcome.reason or ''}".rstrip(": "))
    app.sender.drain()


@main.command("forward-address")
@click.argument("address")
@click.pass_context
def forward_address(ctx: click.Context, address: str) -> None:
    """The address an agent forwards customers' mail to: it proves them, and the
    forwarded mail becomes the customer's ticket (docs/desk-mail.md)."""
    from maild.core import auth

    app = _app(ctx, writes=True)  # the token key is made on the first run
    person = app.ingest.directory.person(address.lower())
    if person is None:
        raise click.ClickException(f"{address} is not a configured agent")
    click.echo(auth.forwarding_address(app.ingest.desk.staffing.auth, person.email))


@main.command()
@click.argument("source", type=click.File("rb"))
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.pass_context
def inspect(ctx: click.Context, source: Any, as_json: bool) -> None:
    """Dry run: what maild would do with the mail in FILE (or -), changing nothing."""
    result = dry_run_inspect(_app(ctx).ingest, source.read()).model_dump(mode="json")
    if as_json:
        click.echo(json.dumps(result, indent=2, default=str))
        return
    ticket = f"#{result['ticket']}" if result["ticket"] else "none"
    click.echo(f"role:    {result['role']}")
    click.echo(f"ticket:  {ticket}")
    click.echo(f"outcome: {result['outcome']}")
    for check in result["auth"]["checks"]:
        click.echo(
            f"auth:    {'ok  ' if check['ok'] else 'FAIL'} {check['name']}: {check['detail']}"
        )
    for line in result["commands"]:
        click.echo(
            f"command: line {line['line']} {line['raw']}: {line.get('decision', '-')}"
            f"{': ' + line['reason'] if line.get('reason') else ''}"
        )
    for error in result["errors"]:
        click.echo(f"error:   {error}")
    click.echo("new text:")
    for text_line in (result["new_text"] or "(none)").splitlines():
        click.echo(f"  | {text_line}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.option("--agent", metavar="EMAIL", help="Only this agent's credits.")
@click.option(
    "--since",
    metavar="YYYY-MM-DD",
    type=click.DateTime(["%Y-%m-%d"]),
    help="From this local day on (the configured time zone).",
)
@click.pass_context
def ledger(ctx: click.Context, as_json: bool, agent: str | None, since: Any) -> None:
    """Every credit given: who, ticket, customer, amount, approver."""
    app = _app(ctx)
    start = since.replace(tzinfo=ZoneInfo(app.settings.timezone)) if since else None
    with app.db.transaction() as store:
        rows = [views.LedgerView.of(c).dump() for c in store.ledger(agent, start)]
    _print(
        rows,
        as_json,
        [
            "ticket",
            "created_at",
            "agent",
            "customer",
            "amount",
            "currency",
            "approved_by",
            "reason",
        ],
    )


@main.command()
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.pass_context
def escalations(ctx: click.Context, as_json: bool) -> None:
    """Open escalations: stale ones first, then the longest wait."""
    app = _app(ctx)
    desk = app.ingest.desk.escalations
    with app.db.transaction() as store:
        rows = [e.model_dump(mode="json") for e in desk.listing(store, app.ingest.clock())]
    _print(
        rows,
        as_json,
        ["ticket", "team", "owner", "agent", "escalated_at", "days_since_customer_update", "stale"],
    )


@main.command()
@click.option("--manager", "manager", required=True, metavar="EMAIL")
@click.option(
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    help="The local day to report on (default: yesterday in the manager's time zone).",
)
@click.option("--preview", type=click.Path(dir_okay=False), help="Write the HTML part here.")
@click.option("--text", "as_text", is_flag=True, help="Print the plain-text part.")
@click.option("--send", is_flag=True, help="Send it (once: not if that day's was sent).")
@click.pass_context
def summary(
    ctx: click.Context,
    manager: str,
    day: Any,
    preview: str | None,
    as_text: bool,
    send: bool,
) -> None:
    """Build one manager's daily summary on demand."""
    from datetime import timedelta

    app = _app(ctx, writes=send)
    summaries = app.summaries
    manager = manager.lower()
    if manager not in summaries.teams:
        known = ", ".join(sorted(summaries.teams)) or "none configured"
        raise click.ClickException(f"{manager} manages no team (managers: {known})")
    now = app.ingest.clock()
    tz = ZoneInfo(summaries.schedule(manager)["timezone"])
    wanted = day.date() if day else now.astimezone(tz).date() - timedelta(days=1)
    if send:
        result = summaries.send(manager, wanted, now, sent_date=now.astimezone(tz).date())
        if result == "taken":
            raise click.ClickException(f"the summary for {manager} on {wanted} was sent already")
        app.sender.drain()
        click.echo(f"summary for {manager} on {wanted}: {result}")
        return
    with app.db.transaction() as store:
        built = summaries.build(store, manager, wanted, now)
    notice = summaries.notice(built)
    renderer = app.ingest.queue.renderer
    if preview:
        Path(preview).write_text(renderer.part(notice, "html"), encoding="utf-8")  # <meta charset>
        click.echo(f"wrote {preview}")
    if as_text or not preview:
        click.echo(f"Subject: {renderer.part(notice, 'subject').strip()}\n")
        click.echo(renderer.part(notice, "txt"))


@main.command()
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Set up the state: folder, token key, database schema at the newest
    (maild run and maild ingest do this too)."""
    app = _app(ctx, writes=True)
    click.echo(f"database at the newest schema: {app.settings.database_url()}")


@main.command()
@click.option("--keep", type=click.Path(file_okay=False), help="Keep the demo's state here.")
def demo(keep: str | None) -> None:
    """A scripted scenario on a temporary database, printing what each person receives."""
    from maild.demo import run_demo

    run_demo(keep)


main.add_command(cli_oauth.oauth)

if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
