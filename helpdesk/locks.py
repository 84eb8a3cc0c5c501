"""File locks between processes on one machine (flock): released by the kernel if the holder dies."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path


class LockTimeout(RuntimeError):
    """Another process held the lock for longer than we were willing to wait."""


class FileLock:
    """An exclusive lock on a file (flock), released by the kernel if the holder dies, so a crash leaves no stale lock.

    One instance may be used from several threads: a thread lock serialises them, as two flocks
    on separate descriptors in one process would also exclude each other, but less politely.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._thread_lock = threading.Lock()

    def acquire(self, *, timeout: float | None = None) -> bool:
        """Take the lock; with timeout=0 only try once. Returns False when not taken in time."""
        deadline = None if timeout is None else time.monotonic() + timeout
        if timeout is None:
            self._thread_lock.acquire()
        elif not self._thread_lock.acquire(timeout=timeout) if timeout > 0 else not self._thread_lock.acquire(False):
            return False
        fd = -1
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    self._fd = fd
                    return True
                except BlockingIOError:
                    if deadline is not None and time.monotonic() >= deadline:
                        break
                    time.sleep(0.02)
        except BaseException:
            self._give_up(fd)
            raise
        self._give_up(fd)
        return False

    def _give_up(self, fd: int) -> None:
        if fd >= 0:
            os.close(fd)
        self._thread_lock.release()

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
        self._thread_lock.release()

    @property
    def held(self) -> bool:
        return self._fd is not None

    def is_locked(self) -> bool:
        """True while anyone (this object, another thread or another process) holds the lock; never blocks."""
        if self.held:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        finally:
            os.close(fd)

    @contextmanager
    def hold(self, *, timeout: float | None = None):
        if not self.acquire(timeout=timeout):
            raise LockTimeout(f"{self.path.name} is held by another process")
        try:
            yield
        finally:
            self.release()
