"""Is this mail really from that staff member, about that ticket?

A From header proves nothing. Three checks, each with its own verdict so a
receipt and `maild inspect` can say exactly which one failed:

  from     the From header is exactly one address without defects, and it is
           a configured person;
  token    the reply address or the References chain carries a token maild
           signed (HMAC) for that person and a ticket; that ticket is the one
           the mail acts on;
  authres  when trusted authserv-ids are configured: the topmost
           Authentication-Results header written by a trusted server shows
           DMARC pass, or DKIM pass with a signing domain aligned with From.
           Anything below it could have been written by the sender.
"""

from __future__ import annotations

from dataclasses import dataclass

import authres

from maild.core import route, tokens
from maild.core.model import InboundMail, Person
from maild.core.words import N_, Said, joined


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: Said  # a failed check's reaches the receipt, in the reader's language


@dataclass(frozen=True)
class Verdict:
    checks: tuple[Check, ...]
    ticket_id: int | None  # the ticket a valid token names

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def reason(self) -> str:
        """The failed checks, in English (logs, events, `maild inspect`)."""
        return str(self.said)

    @property
    def said(self) -> Said:
        """The failed checks, for the receipt."""
        return joined([c.detail for c in self.checks if not c.ok])

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "checks": [{"name": c.name, "ok": c.ok, "detail": str(c.detail)} for c in self.checks],
        }


@dataclass(frozen=True)
class Policy:
    support: str
    keys: tuple[bytes, ...]
    trusted_authserv_ids: frozenset[str] = frozenset()
    allow_missing_authserv_id: bool = False


def check_from(mail: InboundMail, person: Person | None) -> Check:
    if not mail.from_strict or mail.from_addr is None:
        return Check("from", False, N_("the From header is not exactly one clean address"))
    if person is None:
        stranger = N_("%(address)s is not a configured staff member", address=mail.from_addr)
        return Check("from", False, stranger)
    return Check("from", True, f"{person.email} is a configured {person.role}")


def check_token(
    mail: InboundMail, person: Person | None, policy: Policy
) -> tuple[Check, int | None]:
    found = [t for _source, t in route.carried_tokens(mail, policy.support)]
    if not found:
        none = N_("the mail carries no maild token: answer the notification maild sent you")
        return Check("token", False, none), None
    for token in found:
        if person is not None and tokens.verify(policy.keys, token, person.email):
            detail = f"signed for {person.email} and ticket #{token.ticket_id}"
            return Check("token", True, detail), token.ticket_id
    wrong = N_("no token in the mail was signed by maild for this sender and a ticket")
    return Check("token", False, wrong), None


def _aligned(domain: str, from_domain: str) -> bool:
    domain, from_domain = domain.lower().rstrip("."), from_domain.lower().rstrip(".")
    return (
        domain == from_domain
        or from_domain.endswith("." + domain)
        or domain.endswith("." + from_domain)
    )


def _parse_authres(value: str, allow_missing: bool) -> tuple[str | None, list[object]] | None:
    """(authserv-id, results), or None when unreadable. A header whose first word is
    `method=result` has no authserv-id (Microsoft 365 writes them so)."""
    first = value.split(";", 1)[0].strip()
    missing = "=" in first.split()[0] if first else True
    if missing and not allow_missing:
        return None
    text = f"none.invalid; {value}" if missing else value
    try:
        header = authres.AuthenticationResultsHeader.parse(f"Authentication-Results: {text}")
    except Exception:
        return None
    return (None if missing else str(header.authserv_id).lower()), list(header.results)


def check_authres(mail: InboundMail, policy: Policy) -> Check | None:
    if not policy.trusted_authserv_ids and not policy.allow_missing_authserv_id:
        return None
    from_domain = (mail.from_addr or "").rpartition("@")[2]
    for name, value in mail.headers:  # top to bottom: the topmost trusted one decides
        if name != "authentication-results":
            continue
        parsed = _parse_authres(value, policy.allow_missing_authserv_id)
        if parsed is None:
            continue
        server, results = parsed
        if server is not None and server not in policy.trusted_authserv_ids:
            continue
        who = server or "a header without authserv-id"
        for result in results:
            method, outcome = getattr(result, "method", ""), getattr(result, "result", "")
            if method == "dmarc" and outcome == "pass":
                return Check("authres", True, f"DMARC pass according to {who}")
        for result in results:
            if getattr(result, "method", "") != "dkim" or getattr(result, "result", "") != "pass":
                continue
            for prop in getattr(result, "properties", []):
                if prop.type == "header" and prop.name in {"d", "i"}:
                    domain = str(prop.value).rpartition("@")[2]
                    if _aligned(domain, from_domain):
                        return Check("authres", True, f"DKIM pass for {domain} according to {who}")
        neither = (
            N_("%(server)s shows neither DMARC pass nor aligned DKIM pass", server=server)
            if server
            else N_("a header without authserv-id shows neither DMARC pass nor aligned DKIM pass")
        )
        return Check("authres", False, neither)
    return Check("authres", False, N_("no Authentication-Results header from a trusted server"))


FORWARD_HELP = N_(
    "a forward opens a new ticket, so no reply token can name it: send it to your own"
    " forwarding address (maild forward-address YOUR-ADDRESS), or have a trusted server"
    " vouch for your domain ([auth] trusted_authserv_ids)"
)


def prove_forward(mail: InboundMail, person: Person | None, policy: Policy) -> Verdict:
    """A forward: the sender is proven by their forwarding address (a token maild
    signed for them and ticket 0, `support+t0-<mac>@...`) or, without it, by DMARC
    or aligned DKIM according to a trusted server."""
    checks = [check_from(mail, person)]
    token_check, ticket_id = check_token(mail, person, policy)
    header = check_authres(mail, policy)
    if token_check.ok and ticket_id == 0:
        assert person is not None
        checks.append(Check("token", True, f"{person.email}'s forwarding address"))
    elif header is None or not header.ok:
        checks.append(Check("forward", False, FORWARD_HELP))
    if header is not None:
        checks.append(header)
    return Verdict(tuple(checks), None)


def forwarding_address(policy: Policy, person: str) -> str:
    """The address a staff member forwards customers' mail to: it proves them."""
    return tokens.reply_address(policy.support, tokens.sign(policy.keys[0], 0, person))


def prove(mail: InboundMail, person: Person | None, policy: Policy) -> Verdict:
    checks = [check_from(mail, person)]
    token_check, ticket_id = check_token(mail, person, policy)
    checks.append(token_check)
    header = check_authres(mail, policy)
    if header is not None:
        checks.append(header)
    return Verdict(tuple(checks), ticket_id)
