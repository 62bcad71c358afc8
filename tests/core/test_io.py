"""Atomic writes: the user's umask decides the permissions, a failure loses nothing and leaves
nothing behind, and every writer has its own temporary file."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from sagym.io import (
    atomic_output,
    atomic_write_bytes,
    atomic_write_csv,
    atomic_write_json,
    atomic_write_text,
    atomic_write_with,
    current_umask,
    default_file_mode,
)


@pytest.fixture
def umask() -> Iterator[None]:
    """Restore the process umask whatever a test sets it to."""
    saved = os.umask(0o022)
    os.umask(saved)
    try:
        yield
    finally:
        os.umask(saved)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _write_each_way(folder: Path) -> list[Path]:
    """One file through every public writer."""
    paths = [folder / name for name in ("a.txt", "b.bin", "c.json", "d.csv", "e.out", "f.zip")]
    atomic_write_text(paths[0], "text\n")
    atomic_write_bytes(paths[1], b"\x00\x01")
    atomic_write_json(paths[2], {"a": 1})
    atomic_write_csv(paths[3], pd.DataFrame({"x": [1, 2]}))
    atomic_write_with(paths[4], lambda tmp: tmp.write_text("via a callback"))
    with atomic_output(paths[5], suffix=".zip") as tmp:
        tmp.unlink()  # a library that writes by name may replace the file it was given
        tmp.write_bytes(b"PK")
    return paths


@pytest.mark.usefixtures("umask")
@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_files_get_the_mode_the_umask_gives(tmp_path: Path, mask: int, expected: int) -> None:
    os.umask(mask)
    assert current_umask() == mask
    assert current_umask() == mask  # reading it leaves it as it was
    assert default_file_mode() == expected
    for path in _write_each_way(tmp_path):
        assert _mode(path) == expected, path.name
    # Rewriting an existing file gives the same mode (the replacement is a new file).
    atomic_write_text(tmp_path / "a.txt", "again\n")
    assert _mode(tmp_path / "a.txt") == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "a.txt",
        "b.bin",
        "c.json",
        "d.csv",
        "e.out",
        "f.zip",
    ]


def test_written_content_is_exact(tmp_path: Path) -> None:
    atomic_write_text(tmp_path / "t.txt", "ü\n")
    assert (tmp_path / "t.txt").read_bytes() == "ü\n".encode()
    atomic_write_json(tmp_path / "j.json", {"b": 2, "a": [1.5]})
    assert (tmp_path / "j.json").read_text() == '{\n  "a": [\n    1.5\n  ],\n  "b": 2\n}\n'
    atomic_write_csv(tmp_path / "c.csv", pd.DataFrame({"x": [1, 2], "y": ["a", "b"]}))
    assert (tmp_path / "c.csv").read_text() == "x,y\n1,a\n2,b\n"


class _WriterFailed(Exception):
    pass


@pytest.mark.parametrize("error", [_WriterFailed, KeyboardInterrupt])
def test_a_failing_writer_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, error: type[BaseException]
) -> None:
    target = tmp_path / "results.csv"
    target.write_text("old, complete\n")
    seen: list[Path] = []

    def half_write(tmp: Path) -> None:
        seen.append(tmp)
        tmp.write_text("new, but only ha")
        raise error("interrupted")

    with pytest.raises(error, match="interrupted"):
        atomic_write_with(target, half_write)
    with pytest.raises(error, match="interrupted"), atomic_output(target) as tmp:
        seen.append(tmp)
        tmp.write_text("new, but only ha")
        raise error("interrupted")
    assert target.read_text() == "old, complete\n"
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"]
    assert all(p.parent == tmp_path and not p.exists() for p in seen)


def test_a_failing_first_write_creates_no_file(tmp_path: Path) -> None:
    target = tmp_path / "new" / "model.zip"
    with pytest.raises(_WriterFailed), atomic_output(target, suffix=".zip"):
        raise _WriterFailed
    assert list(target.parent.iterdir()) == []


def test_two_writers_of_one_path_get_their_own_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "model.zip"
    with (
        atomic_output(target, suffix=".zip") as first,
        atomic_output(target, suffix=".zip") as second,
    ):
        assert first != second
        assert first.parent == second.parent == tmp_path  # same folder: os.replace is atomic
        assert first.name.startswith(".model.zip.") and first.name.endswith(".tmp.zip")
        first.write_text("first")
        second.write_text("second")
        assert first.read_text() == "first"  # neither writer sees the other's bytes
    # The last to finish (the outer context) wins, whole; no temporary file is left.
    assert target.read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["model.zip"]


def test_concurrent_writers_leave_one_complete_file(tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    contents = {i: {"writer": i, "rows": list(range(2000))} for i in range(4)}
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            for _ in range(20):
                atomic_write_json(target, contents[i])
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=write, args=(i,)) for i in contents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert json.loads(target.read_text()) in contents.values()
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
