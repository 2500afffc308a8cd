"""What goes wrong with a token, said in one line that names the fix."""

from __future__ import annotations


class OAuthError(Exception):
    """No access token could be had, or the server refused it. The message is one
    line: whose token, the provider's or server's words, and what to do. Never the
    token or a secret."""


class LoginNeeded(OAuthError):
    """The refresh token is missing, revoked or expired for good: a person has to
    sign in again with the command the message names (`maild oauth login NAME`)."""
