"""maild: an email-driven ticketing daemon."""

__version__ = "0.1.0"
