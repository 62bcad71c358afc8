"""One comparison per output folder at a time.

``hold_output_lock(out)`` takes an exclusive ``fcntl.flock`` on ``OUT/.sagym.lock`` for as long as
the ``with`` block runs. The kernel drops the lock when the holder dies, however it dies (SIGKILL
included), so a crashed run never blocks the next one and no stale-lock clean-up is needed. The
file names the holder (pid, host, start time) so that a second comparison on the same folder can
say who has it instead of racing it: two grids writing the same cell folders would overwrite each
other's ``model.zip`` halfway through.

The lock is re-entrant within one process: the command line holds it over the whole comparison
(grid, report, W&B summary) and :func:`sagym.experiment.run_grid` takes it again inside.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

LOCK_NAME = ".sagym.lock"

_HELD: dict[Path, tuple[int, int]] = {}  # folder -> (file descriptor, depth)
_GUARD = threading.Lock()


class OutputLocked(ValueError):
    """Another comparison holds the output folder."""


def _holder(lock_path: Path) -> str:
    try:
        text = lock_path.read_text().strip()
    except OSError:
        text = ""
    return text or "an unknown process"


@contextlib.contextmanager
def hold_output_lock(out: str | Path) -> Iterator[Path]:
    """Hold the lock on ``out`` (created if missing) for the block; raise if another holds it."""
    folder = Path(out).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    lock_path = folder / LOCK_NAME
    with _GUARD:
        if folder in _HELD:
            fd, depth = _HELD[folder]
            _HELD[folder] = (fd, depth + 1)
        else:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise OutputLocked(
                    f"output folder {folder} is in use by another comparison "
                    f"({_holder(lock_path)}); wait for it to finish or choose another --out"
                ) from None
            started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            info = f"pid {os.getpid()} on {socket.gethostname()}, started {started}\n"
            os.ftruncate(fd, 0)
            os.pwrite(fd, info.encode(), 0)
            _HELD[folder] = (fd, 1)
    try:
        yield folder
    finally:
        with _GUARD:
            fd, depth = _HELD[folder]
            if depth > 1:
                _HELD[folder] = (fd, depth - 1)
            else:
                del _HELD[folder]
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
