"""Copy a live SQLite database consistently: ``python -m ...snapshot SOURCE TARGET``.

whatsmeow writes each session's SQLite file through its own copy of SQLite
inside neonize's Go library. SQLite's file locks are POSIX advisory locks,
which belong to the whole process. A second SQLite library in the same process
does not respect those locks, and closing its connection would release the
locks of whatsmeow's open transaction. The worker therefore copies the file in
a child process, where the locks work as SQLite expects.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path


def copy_database(source: Path, target: Path) -> None:
    """Copy ``source`` into a new file ``target`` with SQLite's online backup API.

    Raises:
        sqlite3.Error: when ``source`` is not a readable SQLite database, or the
            copy fails its quick integrity check.
    """
    target.unlink(missing_ok=True)
    with (
        sqlite3.connect(f"file:{source}?mode=ro", uri=True) as reader,
        sqlite3.connect(target) as writer,
    ):
        reader.backup(writer)
        (result,) = writer.execute("PRAGMA quick_check").fetchone()
    reader.close()
    writer.close()
    if result != "ok":
        raise sqlite3.DatabaseError(f"the copy failed its integrity check: {result}")


def main(arguments: list[str]) -> int:
    """Run one copy; return the process exit status."""
    if len(arguments) != 2:
        print("usage: python -m wagate_worker.drivers.whatsapp.snapshot SOURCE TARGET")
        return 2
    try:
        copy_database(Path(arguments[0]), Path(arguments[1]))
    except sqlite3.Error as error:
        print(f"copying the SQLite database failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
