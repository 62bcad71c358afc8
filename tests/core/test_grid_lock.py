"""One comparison per output folder: the lock names its holder and dies with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sagym.run_lock import LOCK_NAME, OutputLocked, hold_output_lock

HOLDER = textwrap.dedent(
    """
    import sys, time
    from sagym.run_lock import hold_output_lock
    with hold_output_lock(sys.argv[1]):
        print("held", flush=True)
        time.sleep(600)
    """
)


def _start_holder(out: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(out)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_comparison_is_refused_with_the_folder_and_the_holder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = _start_holder(out)
    try:
        with pytest.raises(OutputLocked) as info, hold_output_lock(out):
            pass
        message = str(info.value)
        assert message.startswith(f"output folder {out.resolve()} is in use by another comparison")
        assert f"(pid {holder.pid} on " in message and ", started " in message
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_is_released_when_its_holder_is_killed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = _start_holder(out)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with hold_output_lock(out) as folder:
        assert folder == out.resolve()
        assert f"pid {os.getpid()} on " in (out / LOCK_NAME).read_text()
    assert (out / LOCK_NAME).read_text() == ""  # released: the holder's line is cleared


def test_the_lock_is_reentrant_in_one_process_and_exclusive_across_processes(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    with hold_output_lock(out), hold_output_lock(out):
        pass  # the command line holds it around run_grid, which takes it again
    with hold_output_lock(out):
        probe = subprocess.run(
            [sys.executable, "-c", HOLDER, str(out)], capture_output=True, text=True, timeout=120
        )
        assert probe.returncode == 1
        assert "is in use by another comparison" in probe.stderr
        assert f"(pid {os.getpid()} on " in probe.stderr


def test_cli_reports_a_locked_folder_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sagym.cli import main as cli_main

    out = tmp_path / "out"
    holder = _start_holder(out)
    try:
        code = cli_main(["compare", "--rewards", "engagement", "--out", str(out),
                         "--wandb", "disabled", "--no-progress"])  # fmt: skip
    finally:
        holder.kill()
        holder.wait()
    printed = capsys.readouterr()
    assert code == 2
    lines = [line for line in (printed.out + printed.err).splitlines() if "error" in line]
    assert len(lines) == 1
    assert (
        f"output folder {out.resolve()} is in use by another comparison (pid {holder.pid}"
        in (lines[0])
    )
    assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]  # nothing else written
