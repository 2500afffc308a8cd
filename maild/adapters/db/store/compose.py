"""Store: the queries the services need, over one session (one transaction).

One mixin per concern, each in its own module; a new concern is a new module
and one more base here."""

from __future__ import annotations

from maild.adapters.db.store.desk_views import DeskViewsMixin
from maild.adapters.db.store.escalations import EscalationsMixin
from maild.adapters.db.store.files import FilesMixin
from maild.adapters.db.store.inbound import InboundMixin
from maild.adapters.db.store.listings import ListingsMixin
from maild.adapters.db.store.outbox import OutboxMixin
from maild.adapters.db.store.participants import ParticipantsMixin
from maild.adapters.db.store.retention import RetentionMixin
from maild.adapters.db.store.staff import StaffMixin
from maild.adapters.db.store.surveys import SurveysMixin
from maild.adapters.db.store.tickets import TicketsMixin


class Store(
    InboundMixin,
    TicketsMixin,
    ParticipantsMixin,
    ListingsMixin,
    OutboxMixin,
    RetentionMixin,
    FilesMixin,
    StaffMixin,
    SurveysMixin,
    EscalationsMixin,
    DeskViewsMixin,
):
    """Every concern's queries over one session."""
