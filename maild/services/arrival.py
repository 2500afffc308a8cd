"""One mail in the services' hands: what every step of taking it shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from maild.adapters.db.store import Store
from maild.core.intake import RawMail
from maild.core.model import InboundMail


@dataclass(frozen=True)
class Arrival:
    store: Store  # the mail's own transaction (a savepoint in a batch)
    item: RawMail  # the bytes as they came, and where from
    mail: InboundMail  # read from them
    now: datetime
