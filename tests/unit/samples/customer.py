"""What customers get: customer/*."""

from __future__ import annotations

from maild.core.contexts import Ack

SAMPLES = {
    "customer/ack": [
        Ack(subject="Lieferung fehlt", customer_name="Jonas Weber"),
        Ack(subject="", customer_name=""),
    ],
}
