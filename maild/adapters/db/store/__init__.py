"""The queries the services need, one module per concern (see compose.Store)."""

from maild.adapters.db.store.compose import Store
from maild.adapters.db.store.database import Database

__all__ = ["Database", "Store"]
