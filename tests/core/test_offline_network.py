"""W&B offline mode tries no network connection: ``sagym train`` and ``sagym compare`` with
every non-local socket blocked.

Each command runs in a subprocess whose ``PYTHONPATH`` starts with a ``sitecustomize.py`` that
patches ``socket.socket.connect``/``connect_ex``/``sendto``, ``socket.create_connection`` and
``socket.getaddrinfo`` in every Python process it starts (spawned workers included): a Unix socket
or a loopback address is allowed (wandb's own service talks to the Python process over one);
anything else is written to a log file and refused. The Go service ``wandb-core`` is not Python and
is not covered here; ``sagym.tracking.offline_settings`` documents how it was checked (strace, and
a run inside ``unshare -n``).

The subprocess environment leaves ``WANDB_MODE`` and ``WANDB_ERROR_REPORTING`` unset, as a user's
shell would: the test suite's own ``WANDB_MODE=offline`` would otherwise hide the leak this pins
(wandb's process-wide telemetry reads the mode from the environment, not from ``wandb.init``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SITECUSTOMIZE = textwrap.dedent(
    '''
    """Record and refuse every non-local socket attempt (installed by test_offline_network)."""
    import ipaddress
    import os
    import socket

    _LOG = os.environ["SAGYM_SOCKET_LOG"]
    _LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


    def _record(line):
        with open(_LOG, "a", encoding="utf-8") as handle:
            handle.write(line + "\\n")


    def _is_local_host(host):
        if host is None:
            return True
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        host = str(host).split("%")[0]
        if host.lower() in _LOCAL_NAMES:
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False


    def _check(what, family, address):
        if family == getattr(socket, "AF_UNIX", None) or not isinstance(address, tuple):
            return
        if _is_local_host(address[0]):
            return
        _record(f"BLOCKED {what} {address!r} pid={os.getpid()}")
        raise OSError(f"sagym test: network blocked ({what} {address!r})")


    _connect = socket.socket.connect
    _connect_ex = socket.socket.connect_ex
    _sendto = socket.socket.sendto
    _getaddrinfo = socket.getaddrinfo
    _create_connection = socket.create_connection


    def connect(self, address):
        _check("connect", self.family, address)
        return _connect(self, address)


    def connect_ex(self, address):
        _check("connect_ex", self.family, address)
        return _connect_ex(self, address)


    def sendto(self, data, *args):
        _check("sendto", self.family, args[-1])
        return _sendto(self, data, *args)


    def getaddrinfo(host, *args, **kwargs):
        if not _is_local_host(host):
            _record(f"BLOCKED getaddrinfo {host!r} pid={os.getpid()}")
            raise socket.gaierror(socket.EAI_NONAME, f"sagym test: lookup of {host!r} blocked")
        return _getaddrinfo(host, *args, **kwargs)


    def create_connection(address, *args, **kwargs):
        _check("create_connection", socket.AF_INET, address)
        return _create_connection(address, *args, **kwargs)


    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.socket.sendto = sendto
    socket.getaddrinfo = getaddrinfo
    socket.create_connection = create_connection
    _record(f"LOADED pid={os.getpid()}")
    '''
)


@pytest.fixture
def blocked_env(tmp_path: Path) -> dict[str, str]:
    """An environment whose Python processes record and refuse non-local sockets."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("WANDB_MODE", "WANDB_ERROR_REPORTING")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), *filter(None, [env.get("PYTHONPATH")])])
    env["SAGYM_SOCKET_LOG"] = str(tmp_path / "sockets.log")
    wandb_home = tmp_path / "wandb_home"  # W&B's own folders, kept out of $HOME
    for key in ("WANDB_DIR", "WANDB_CACHE_DIR", "WANDB_CONFIG_DIR", "WANDB_DATA_DIR"):
        env[key] = str(wandb_home)
    env["WANDB_SILENT"] = "true"
    env["MPLBACKEND"] = "Agg"
    return env


def _log(env: dict[str, str]) -> list[str]:
    path = Path(env["SAGYM_SOCKET_LOG"])
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def _sagym(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sagym", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_socket_guard_records_and_refuses_a_remote_connection(
    blocked_env: dict[str, str], tmp_path: Path
) -> None:
    """The guard itself works: otherwise the tests below would pass without looking."""
    probe = (
        "import socket\n"
        "for call in (lambda: socket.create_connection(('192.0.2.1', 80), timeout=1),\n"
        "             lambda: socket.getaddrinfo('example.invalid', 443)):\n"
        "    try:\n"
        "        call()\n"
        "    except OSError:\n"
        "        pass\n"
        "    else:\n"
        "        raise SystemExit('not blocked')\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
        "s.bind(('127.0.0.1', 0)); s.listen(1)\n"
        "socket.create_connection(s.getsockname(), timeout=5).close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=blocked_env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    blocked = [line for line in _log(blocked_env) if line.startswith("BLOCKED")]
    assert [line.split(" pid=")[0] for line in blocked] == [
        "BLOCKED create_connection ('192.0.2.1', 80)",
        "BLOCKED getaddrinfo 'example.invalid'",
    ]


@pytest.mark.slow
def test_offline_train_and_compare_try_no_network(
    blocked_env: dict[str, str], tmp_path: Path
) -> None:
    tiny = ["--steps", "256", "--eval-users", "4", "--horizon", "5", "--no-progress"]
    train = _sagym(
        ["train", "--reward", "engagement", "--out", str(tmp_path / "runs"), "--wandb", "offline",
         *tiny],
        blocked_env,
        tmp_path,
    )  # fmt: skip
    assert train.returncode == 0, train.stdout + train.stderr
    compare = _sagym(
        ["compare", "--rewards", "engagement", "--baselines", "--seeds", "1", "--jobs", "1",
         "--out", str(tmp_path / "compare"), "--wandb", "offline", *tiny],
        blocked_env,
        tmp_path,
    )  # fmt: skip
    assert compare.returncode == 0, compare.stdout + compare.stderr

    log = _log(blocked_env)
    assert sum(line.startswith("LOADED") for line in log) >= 2  # the guard ran in both commands
    assert [line for line in log if line.startswith("BLOCKED")] == []
    # W&B did run, offline: one run for the training, one per cell and one summary run.
    assert len(list((tmp_path / "runs").glob("*/wandb/offline-run-*"))) == 1
    assert len(list((tmp_path / "compare" / "wandb").glob("offline-run-*"))) == 2
