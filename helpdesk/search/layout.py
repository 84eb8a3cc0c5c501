"""The index directory on disk: numbered generations, the CURRENT pointer swapped by rename, and the file locks."""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

from helpdesk.locks import FileLock, LockTimeout

log = logging.getLogger("helpdesk.search")

__all__ = ["CURRENT", "FileLock", "IndexLayout", "LockTimeout", "fsync_directory", "fsync_files"]

CURRENT = "CURRENT"
_GENERATION = re.compile(r"gen-(\d{6})")


class IndexLayout:
    """Where each generation of the index lives, which one is current, and the locks around them.

    root/
      CURRENT          the name of the live generation; replaced by rename, so readers see old or new
      gen-000001/ ...  one Whoosh index per generation; a rebuild writes a new one beside the live one
      leader.lock      held for its lifetime by the one process that runs the indexer
      write.lock       held while a generation is written to or CURRENT is swapped
      rebuild.lock     held for a whole rebuild; the indexer keeps outbox rows while it is held
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.leader_lock = FileLock(self.root / "leader.lock")
        self.write_lock = FileLock(self.root / "write.lock")
        self.rebuild_lock = FileLock(self.root / "rebuild.lock")

    def current_name(self) -> str | None:
        try:
            name = (self.root / CURRENT).read_text().strip()
        except FileNotFoundError:
            return None
        return name if _GENERATION.fullmatch(name) else None

    def current_dir(self) -> Path | None:
        name = self.current_name()
        return self.root / name if name else None

    def generations(self) -> list[Path]:
        return sorted(path for path in self.root.iterdir() if path.is_dir() and _GENERATION.fullmatch(path.name))

    def new_generation(self) -> Path:
        """A fresh, empty directory for a rebuild, numbered after every existing one."""
        numbers = [int(_GENERATION.fullmatch(path.name).group(1)) for path in self.generations()]
        number = max(numbers, default=0) + 1
        while True:
            path = self.root / f"gen-{number:06d}"
            try:
                path.mkdir()
                return path
            except FileExistsError:
                number += 1

    def publish(self, generation: Path) -> None:
        """Make a finished generation the live one: write, fsync, rename over CURRENT, fsync the directory."""
        temporary = self.root / f"{CURRENT}.tmp-{os.getpid()}"
        with open(temporary, "w") as handle:
            handle.write(generation.name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.root / CURRENT)
        fsync_directory(self.root)

    def prune(self) -> None:
        """Delete generations other than the live one and the one before it (readers may still hold that).

        Only call this while holding rebuild_lock: an unfinished generation belongs to a running rebuild.
        """
        current = self.current_name()
        older = [path for path in self.generations() if path.name != current]
        keep_previous = [path for path in older if current and path.name < current][-1:]
        for path in older:
            if path not in keep_previous:
                log.info("search index: removing old generation %s", path.name)
                shutil.rmtree(path, ignore_errors=True)

    def drop_older_generations(self) -> int:
        """Delete every generation but the live one (after an erasure: older ones still hold the erased text).

        Only call this while holding rebuild_lock. A reader still on an older generation meets missing files and
        asks for a check (SearchEngine.report_damage), which finds the live generation healthy.
        """
        current = self.current_name()
        dropped = 0
        for path in self.generations():
            if path.name != current:
                log.info("search index: removing older generation %s", path.name)
                shutil.rmtree(path, ignore_errors=True)
                dropped += 1
        return dropped


def fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_files(directory: Path, names: set[str]) -> None:
    """Whoosh writes without fsync; we sync what a commit wrote before telling the database it is indexed."""
    for name in names:
        try:
            fd = os.open(directory / name, os.O_RDONLY)
        except FileNotFoundError:
            continue  # merged away by the same commit
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    fsync_directory(directory)
