"""A customer is written to in their language: decided on their first mail, kept for
their next tickets, changed with #lang; staff keep theirs."""

from __future__ import annotations

from maild.adapters.db.models import Ticket
from tests.conftest import mail
from tests.integration.helpers import rows
from tests.integration.staff import answer, body, last, take

JONAS = "Jonas Weber <jonas@example.de>"
GERMAN = "Hallo, meine Bestellung ist seit zwei Wochen nicht angekommen. Können Sie nachsehen?"


def _subject(row) -> str:  # type: ignore[no-untyped-def]
    from tests.integration.helpers import parsed

    return str(parsed(row.raw)["Subject"])


def test_a_german_first_mail_gets_a_german_acknowledgement_and_is_remembered(app):
    first = take(app, mail(subject="Lieferung fehlt", text=GERMAN, sender=JONAS))
    ack = last(app, "customer/ack", "jonas@example.de")
    assert _subject(ack) == f"[#{first.ticket_id}] Ihre Anfrage: Lieferung fehlt"
    assert body(ack).startswith("Guten Tag Jonas Weber,")
    # his next ticket, a short mail the detector could not place: still German
    second = take(app, mail(subject="Noch etwas", text="Danke!", sender=JONAS))
    assert second.ticket_id != first.ticket_id
    assert body(last(app, "customer/ack", "jonas@example.de")).startswith("Guten Tag")
    assert [t.language for t in rows(app, Ticket)] == ["de", "de"]


def test_content_language_decides_before_the_text(app):
    # (set after the body: EmailMessage.set_content drops Content-* headers set before it)
    raw = b"Content-Language: fr-CA\r\n" + mail(text="Hello, my order has not arrived yet.")
    take(app, raw)
    assert body(last(app, "customer/ack", "sam@example.com")).startswith("Bonjour Sam Customer,")


def test_a_short_or_mixed_mail_is_answered_in_the_teams_language(make_app):
    app = make_app(language="es")
    take(app, mail(text="Hallo, my order is late"))
    assert body(last(app, "customer/ack", "sam@example.com")).startswith("Hola, Sam Customer:")
    assert rows(app, Ticket)[0].language is None  # not decided: the team's, whatever it becomes


def test_an_agent_sets_the_customers_language_with_lang(app):
    ticket = take(app, mail(text="Hello, my order did not arrive, can you check?")).ticket_id
    told = last(app, "agent/new", "dana@acme.example")
    take(app, answer(told, "#lang de\n\nWir kümmern uns darum.", "Dana Agent <dana@acme.example>"))
    assert rows(app, Ticket)[0].language == "de"
    receipt = body(last(app, "staff/receipt", "dana@acme.example"))
    assert "the customer's language set to de" in receipt  # Dana's own language: English
    take(app, mail(subject="Another one", text="ok", sender="Sam Customer <sam@example.com>"))
    assert body(last(app, "customer/ack", "sam@example.com")).startswith("Guten Tag")
    assert ticket is not None


def test_lang_refuses_a_language_maild_cannot_write(app):
    take(app, mail())
    told = last(app, "agent/new", "dana@acme.example")
    take(app, answer(told, "#lang it\n\nCiao", "Dana Agent <dana@acme.example>"))
    assert rows(app, Ticket)[0].language is None
    assert "no catalog for 'it'" in body(last(app, "staff/receipt", "dana@acme.example"))


def test_check_config_names_the_languages_and_warns_of_one_without_a_catalog(tmp_path):
    from tests.integration.test_cli import run

    cfg = tmp_path / "maild.toml"
    cfg.write_text(
        f'state_dir = "{tmp_path / "state"}"\nlanguage = "de"\n[[teams]]\nname = "t"\n'
        '[[agents]]\nemail = "a@acme.example"\nname = "A"\nteam = "t"\nlanguage = "it"\n'
    )
    out = run("--config", str(cfg), "check-config").output
    assert "languages: de (the team's); maild writes de, en, es, fr" in out
    assert "WARNING: [[agents]] a@acme.example: maild has no catalog for 'it'" in out
