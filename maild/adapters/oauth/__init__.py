"""OAuth2 for IMAP and SMTP: where an access token comes from, and how it is spoken.

`sasl` builds the XOAUTH2 / OAUTHBEARER strings; `sources` gets tokens (MSAL for
Microsoft, google-auth for Google, a refresh token for any provider, a command);
`store` keeps a refresh token on disk; `explain` turns a provider's or a server's
refusal into one line that says what to do; `login` runs the device-code flow.
"""

from maild.adapters.oauth.common import TokenSource
from maild.adapters.oauth.errors import LoginNeeded, OAuthError

__all__ = ["LoginNeeded", "OAuthError", "TokenSource"]
