"""A provider's or a server's refusal, in one line that says what to do.

Policy as data: each rule is a pattern found in the words of the provider or the
server (an AADSTS code, an OAuth2 error, Google's text) and the fix. Lines name
the place in docs/oauth2.md where the step is shown.
"""

from __future__ import annotations

import re

DOC = "docs/oauth2.md"

# (pattern in the provider's answer, what to do)
TOKEN_RULES: tuple[tuple[str, str], ...] = (
    (
        r"AADSTS90002|invalid_tenant|Tenant '.*' not found",
        "check oauth2.tenant: the directory "
        "(tenant) ID or a domain of it, from Microsoft Entra admin center > Overview",
    ),
    (
        r"AADSTS7000215|Invalid client secret",
        "the client secret is wrong: copy the secret's "
        "Value (not its Secret ID) from the app registration's Certificates & secrets",
    ),
    (
        r"AADSTS7000222|client secret.*expired",
        "the client secret has expired: add a new one "
        "under Certificates & secrets and put it where the old one was",
    ),
    (
        r"AADSTS700016|was not found in the directory",
        "check oauth2.client_id and oauth2.tenant: "
        "the app registration's Application (client) ID, in that tenant",
    ),
    (
        r"AADSTS700027|AADSTS700024|certificate.*not registered",
        "upload the certificate "
        "(its public part) under the app registration's Certificates & secrets",
    ),
    (
        r"AADSTS65001|consent",
        "grant admin consent for the API permissions on the app "
        "registration (API permissions > Grant admin consent)",
    ),
    (
        r"AADSTS7000218|client_assertion.*client_secret",
        "for device-code login turn on "
        "'Allow public client flows' (app registration > Authentication)",
    ),
    (
        r"AADSTS70011|AADSTS1002012|invalid_scope",
        "the scope is not valid for this flow: remove oauth2.scopes to use maild's defaults",
    ),
    (
        r"AADSTS50076|AADSTS50079",
        "the account needs multi-factor sign-in: run "
        "`maild oauth login` and complete it in the browser",
    ),
    (
        r"unauthorized_client.*(scope|method)|not authorized for any of the scopes",
        "in the Google Admin console allow the service account's client ID with the scope "
        "https://mail.google.com/ (Security > API controls > Domain-wide delegation)",
    ),
    (
        r"Invalid email or User ID",
        "oauth2.subject (default: username) must be a user of the Google Workspace domain",
    ),
    (
        r"Invalid JWT Signature|invalid_grant.*JWT",
        "the service account's key was deleted or is not this account's: make a new JSON key",
    ),
)

LOGIN_RULES: dict[str, str] = {
    "microsoft-app": "grant the app IMAP.AccessAsApp / SMTP.SendAsApp (Office 365 Exchange "
    "Online, admin consent), register its service principal in Exchange and give it "
    "access to the mailbox (Add-MailboxPermission)",
    "microsoft-delegated": "the signed-in user must be this mailbox's owner or have full "
    "access to it, with IMAP / authenticated SMTP enabled for the mailbox",
    "google": "allow the service account's client ID with the scope https://mail.google.com/ "
    "in the Admin console's domain-wide delegation, and IMAP for the user",
    "oauth2": "the token's account must be this username, with the provider's mail scope",
    "command": "the token the command printed is not for this username or has no mail scope",
}

BASIC_DISABLED = re.compile(
    r"basic auth\w* (is )?(disabled|blocked)|LOGIN failed|application-specific password|"
    r"Application-specific password required|Web login required",
    re.IGNORECASE,
)


def token_fix(answer: str) -> str:
    for pattern, fix in TOKEN_RULES:
        if re.search(pattern, answer, re.IGNORECASE | re.DOTALL):
            return fix
    return f"see {DOC} for what each provider's error means"


def one_line(text: str, limit: int = 300) -> str:
    """A provider's words on one line, at most `limit` characters (trace ids cut)."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r" Trace ID: .*", "", text)
    return text[:limit]


def password_refused(where: str, host: str, answer: str) -> str | None:
    """A password login refused the way Microsoft 365 and Google refuse them all."""
    if not BASIC_DISABLED.search(answer):
        return None
    provider = "Google Workspace" if "gmail" in host or "google" in host else "Microsoft 365"
    return (
        f"{where}: the server refuses password login ({one_line(answer)}): {provider} "
        f'turned it off; set auth = "oauth2" ({DOC})'
    )
