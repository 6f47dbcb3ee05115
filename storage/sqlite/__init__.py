"""The SQLite engine: one connection on a thread of ours, transactions with group commit, and
people's turns kept in memory between their updates."""

from storage.sqlite.database import SqliteDatabase
from storage.sqlite.turn_cache import TurnCache

__all__ = ["SqliteDatabase", "TurnCache"]
