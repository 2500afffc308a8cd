"""`maild oauth login NAME` and what check-config says of OAuth2 (kept apart from cli.py).

The device-code flow fits a daemon's server: maild prints a web address and a
short code, a person opens the address on any device, signs in as the mailbox's
user and types the code; maild waits, then keeps the refresh token in the state
folder (mode 0600). No browser on the server, no redirect URI, no password seen.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import click

from maild import config
from maild.adapters.oauth import OAuthError, TokenSource

DOC = "docs/oauth2.md"
# Hosts whose owners turned password login off (or allow it only by exception).
HOSTED = {
    "outlook.office365.com": "Microsoft 365",
    "smtp.office365.com": "Microsoft 365",
    "outlook.office.com": "Microsoft 365",
    "imap.gmail.com": "Google Workspace",
    "smtp.gmail.com": "Google Workspace",
}


@click.group()
def oauth() -> None:
    """OAuth2 sign-in for mailboxes and the relay (auth = "oauth2")."""


@oauth.command()
@click.argument("name")
@click.pass_context
def login(ctx: click.Context, name: str) -> None:
    """Sign in for mailbox NAME (its name, username or imap-N; or smtp) with the
    device-code flow, and keep the refresh token in the state folder."""
    from maild.adapters.oauth.accounts import all_names, named

    settings = _settings(ctx)
    source = named(settings, name)
    if source is None:
        known = ", ".join(all_names(settings)) or 'none has auth = "oauth2"'
        raise click.ClickException(f"no mailbox or relay called {name!r} uses OAuth2 ({known})")
    begin = getattr(source, "begin_login", None)
    try:
        if begin is None:  # app-only, a service account, a command: nothing to sign in to
            source.token(refresh=True)
            click.echo(f"{source.account.label}: got a token ({source.kind}); no sign-in needed")
            return
        app, flow = begin()
        click.echo(flow["message"])
        click.echo("Waiting for the sign-in (Ctrl-C to give up) ...")
        who = source.finish_login(app, flow)  # type: ignore[attr-defined]
        source.token()
    except OAuthError as exc:
        raise click.ClickException(str(exc)) from None
    path = getattr(source, "file", None)
    where = f" in {path.path}" if path is not None else ""
    click.echo(f"{source.account.label}: signed in as {who}; refresh token kept{where} (mode 0600)")


def _settings(ctx: click.Context) -> config.Settings:
    try:
        settings, _ = config.load(ctx.obj.get("config") if ctx.obj else None)
    except config.ConfigError as exc:
        click.echo(f"maild: configuration error:\n{exc}", err=True)
        ctx.exit(config.EX_CONFIG)
        raise
    return settings


# Connections a provider allows one mailbox at once; maild keeps one per [[mailboxes]]
# entry, and `maild status` / `check-config` open one more for a moment.
CONNECTION_LIMITS = {
    "imap.gmail.com": 15,
    "outlook.office365.com": 20,
    "outlook.office.com": 20,
}


def oauth_warnings(settings: config.Settings) -> list[str]:
    """A password against a host that refuses passwords: said before the first login
    fails; entries that would crowd a provider's connection limit."""
    out = []
    accounts = Counter((b.host.lower(), b.username.lower()) for b in settings.mailboxes)
    for (host, user), count in sorted(accounts.items()):
        limit = CONNECTION_LIMITS.get(host)
        if limit and count > limit // 2:
            out.append(
                f"{count} [[mailboxes]] entries log in to {host} as {user}, one connection "
                f"each; {host} allows {limit} per mailbox, your people's mail clients "
                "included: use fewer folders"
            )
    places: list[tuple[str, str, str]] = [
        (f"mailboxes[{i}] ({b.key})", b.host, b.auth) for i, b in enumerate(settings.mailboxes)
    ]
    if settings.smtp is not None and settings.smtp.username:
        places.append(("smtp", settings.smtp.host, settings.smtp.auth))
    for where, host, auth in places:
        provider = HOSTED.get(host.lower())
        if provider and auth == "password":
            out.append(
                f'{where}: {provider} refuses password login; use auth = "oauth2" '
                f"(see {DOC}, {provider})"
            )
    return out


def oauth_checks(settings: config.Settings) -> list[tuple[bool, str]]:
    """For each mailbox and relay on OAuth2: get a token, then log in with it.
    (ok, line); a failure's line is the one-line error that says what to do."""
    from maild.adapters.imap import ERRORS
    from maild.adapters.oauth.accounts import mailbox_tokens, relay_tokens
    from maild.daemon import open_mailbox

    state = settings.state_path()
    found: list[tuple[bool, str]] = []
    for index, box in enumerate(settings.mailboxes):
        tokens = mailbox_tokens(box, index, state)
        if tokens is None:
            continue
        try:
            tokens.token()
            with open_mailbox(box, index, state):
                pass
            found.append((True, f"mailbox {box.key}: token ({tokens.kind}) and login OK"))
        except ERRORS as exc:
            found.append((False, str(exc)))
    if settings.smtp is not None and (relay := relay_tokens(settings.smtp, state)) is not None:
        found.append(_relay_check(settings, relay))
    return found


def _relay_check(settings: config.Settings, tokens: TokenSource) -> tuple[bool, str]:
    from maild.adapters.transport import Deferred, Rejected
    from maild.bootstrap import transport_factory

    transport: Any = transport_factory(settings)()
    try:
        tokens.token()
        transport._connection()
        return True, f"smtp: token ({tokens.kind}) and login OK"
    except OAuthError as exc:
        return False, str(exc)
    except (Deferred, Rejected, OSError) as exc:
        return False, f"smtp: {exc}"
    except Exception as exc:  # smtplib's answers: the relay's words, one line
        return False, f"smtp: {getattr(exc, 'smtp_error', exc)!s}"
    finally:
        transport.close()


def echo_checks(settings: config.Settings) -> None:
    """check-config's OAuth2 lines."""
    for ok, line in oauth_checks(settings):
        click.echo(f"  oauth2:    {line}" if ok else f"WARNING: {line}")
