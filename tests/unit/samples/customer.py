"""What customers get: customer/*. maild's own sentences in them (the announcements
around an agent's answer) are Msg, as core.commands says them."""

from __future__ import annotations

from decimal import Decimal

from maild.core.contexts import Ack, AttachmentShown, CustomerReply, StillWorking, Survey
from maild.core.policy import Money
from maild.core.words import N_

CREDIT = N_(
    "A credit of %(amount)s has been added to your account.",
    amount=Money(Decimal("20"), "EUR"),
)
CLOSED = N_("We have closed this request. If you need anything else, just reply to this mail.")
ESCALATED = N_(
    "Your request has gone to our %(team)s team. %(name)s stays your contact and will"
    " keep you posted.",
    team="Logistik",
    name="Dana Agent",
)
MERGED = N_(
    "We are handling this request together with ticket #%(number)s: please use that"
    " number from now on.",
    number="1234",
)

SAMPLES = {
    "customer/ack": [
        Ack(subject="Lieferung fehlt", customer_name="Jonas Weber"),
        Ack(subject="", customer_name=""),
    ],
    "customer/reply": [
        CustomerReply(
            subject="Lieferung fehlt",
            text="Hallo Herr Weber,\nes tut mir leid.\n\nDana",
            announcements=(CREDIT, CLOSED),
            agent_name="Dana Agent",
            attachments=(
                AttachmentShown("Rücksendeetikett.pdf", 69, True),
                AttachmentShown("Foto.png", 1, True, cid="f0.abc@acme.example"),
            ),
        ),
        CustomerReply(
            subject="",
            text="",
            announcements=(ESCALATED, MERGED),
            agent_name="Dana Agent",
        ),
    ],
    "customer/still-working": [
        StillWorking(
            subject="Export bricht ab",
            customer_name="Jonas Weber",
            team="Entwicklung",
            agent_name="Dana Agent",
        ),
        StillWorking(subject="", customer_name=None, team="Entwicklung", agent_name="Dana"),
    ],
    "customer/survey": [
        Survey(subject="Lieferung fehlt", customer_name="Jonas Weber", agent_name="Dana Agent"),
        Survey(subject="", customer_name=None, agent_name="Acme Support"),
    ],
}
