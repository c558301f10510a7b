"""Throw-away PostgreSQL clusters for tests that need a server of their own: a primary and a
streaming replica. Binaries are found as scripts/with-postgres.sh finds them; as root, the
servers run as the unprivileged `postgres` account, as PostgreSQL requires."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TOOLS = ("initdb", "pg_ctl", "pg_basebackup")


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.parent.name) or ["0"])


def bin_dir(tools: tuple[str, ...] = TOOLS) -> Path | None:
    """The directory holding every tool of `tools`: the newest /usr/lib/postgresql/*/bin,
    else the one on PATH; None when the binaries are absent."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=_version_key)
    dirs = [path.parent for path in reversed(candidates)]
    on_path = shutil.which(tools[0])
    if on_path:
        dirs.append(Path(on_path).parent)
    for directory in dirs:
        if all((directory / tool).exists() for tool in tools):
            return directory
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    """One running server: its data directory and port, stopped by `stop()`."""

    bin: Path
    data: Path
    port: int
    as_pg: list[str] = field(default_factory=list)

    def url(self, database: str = "postgres") -> str:
        return f"postgres://ecotone@127.0.0.1:{self.port}/{database}"

    def settings(self, base: dict[str, Any], database: str = "postgres") -> dict[str, Any]:
        """A Django settings dict for this server, the other keys taken from `base`."""
        return {
            **base,
            "ENGINE": "django.db.backends.postgresql",
            "NAME": database,
            "USER": "ecotone",
            "PASSWORD": "",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "OPTIONS": {"options": "-c jit=off"},
        }

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off"
        )
        log = self.data.parent / f"{self.data.name}.log"
        pg_ctl = str(self.bin / "pg_ctl")
        run(
            [
                *self.as_pg,
                pg_ctl,
                "-D",
                str(self.data),
                "-l",
                str(log),
                "-w",
                "-o",
                options,
                "start",
            ]
        )

    def stop(self) -> None:
        pg_ctl = str(self.bin / "pg_ctl")
        subprocess.run(  # noqa: S603 (our own arguments)
            [*self.as_pg, pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )


def run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {result.stderr or result.stdout}")


def unprivileged(workdir: Path) -> list[str]:
    """As root, the command prefix that runs a server as `postgres` (created if missing)."""
    os.chmod(workdir, 0o755)  # noqa: S103 (the server's account must reach it)
    if os.geteuid() != 0:
        return []
    if subprocess.run(["id", "-u", "postgres"], capture_output=True, check=False).returncode:  # noqa: S607
        run(["useradd", "--system", "--no-create-home", "postgres"])
    shutil.chown(workdir, "postgres")
    return ["runuser", "-u", "postgres", "--"]


def primary_and_replica(workdir: Path, binaries: Path) -> tuple[Cluster, Cluster]:
    """A new primary, and a hot standby streaming from it (`pg_basebackup -R`)."""
    as_pg = unprivileged(workdir)
    primary = Cluster(binaries, workdir / "primary", free_port(), as_pg)
    initdb = [str(binaries / "initdb"), "-D", str(primary.data), "-U", "ecotone"]
    run([*as_pg, *initdb, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
    primary.start()
    replica = Cluster(binaries, workdir / "replica", free_port(), as_pg)
    try:
        source = ["-h", "127.0.0.1", "-p", str(primary.port), "-U", "ecotone"]
        target = ["-D", str(replica.data), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"]
        run([*as_pg, str(binaries / "pg_basebackup"), *source, *target])
        replica.start()
    except Exception:
        primary.stop()
        raise
    return primary, replica


def wait_for_replay(primary_cursor: Any, replica_cursor: Any, timeout: float = 10.0) -> None:
    """Until the replica has replayed everything the primary has written so far."""
    primary_cursor.execute("SELECT pg_current_wal_lsn()")
    (target,) = primary_cursor.fetchone()
    deadline = time.monotonic() + timeout
    while True:
        replica_cursor.execute(
            "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s) >= 0", [target]
        )
        if replica_cursor.fetchone()[0]:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the replica did not replay up to {target} in {timeout} s")
        time.sleep(0.02)
