"""Versioned SQLite schemas for the person's data (state.db, approvals.db): migrate, never drop."""

from __future__ import annotations

import sqlite3
from typing import Sequence

from .errors import KilnError

__all__ = ["migrate"]


def migrate(db: sqlite3.Connection, scripts: Sequence[str], what: str) -> None:
    """Apply the missing ``scripts`` (script N brings the schema to version N) in one transaction.

    A database newer than this code is refused, never rewritten.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(scripts):
            raise KilnError(f"{what} schema version {version} is newer than this cru supports "
                            f"({len(scripts)}); upgrade kiln-plugins")
        for number, script in enumerate(scripts[version:], version + 1):
            for statement in filter(str.strip, script.split(";")):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
