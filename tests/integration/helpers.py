from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from sqlmodel import select

from maild.adapters.db.models import Inbound, Message, Outbox, Quarantine, Ticket
from maild.bootstrap import App


def rows(app: App, model: type) -> list:
    with app.db.transaction() as store:
        return list(store.session.exec(select(model).order_by(model.id)).all())


def outbox(app: App) -> list[Outbox]:
    return rows(app, Outbox)


def parsed(raw: bytes) -> EmailMessage:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    return msg


def counts(app: App) -> dict[str, int]:
    return {m.__name__: len(rows(app, m)) for m in (Ticket, Message, Inbound, Outbox, Quarantine)}
