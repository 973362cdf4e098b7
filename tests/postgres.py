"""A throwaway PostgreSQL server for the tests: Debian's packaged binaries (``apt-get install
postgresql``; ``.ci/run`` installs it), a cluster made with ``initdb`` in a temporary directory,
listening only on a Unix socket in that directory (no port to collide with anything), trust
authentication, stopped and deleted at the end of the session.

PostgreSQL refuses to run as root: as root, the cluster belongs to the ``postgres`` user the
Debian package creates (else ``nobody``). Missing binaries fail the tests that need them, they
are not skipped: the jobs database is part of what the suite checks.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg

# libfaketime (the suite's second run) is left out of the server's environment: its clock is
# only used for job leases, which compare database times with database times.
_DROPPED_ENV = ("LD_PRELOAD", "FAKETIME", "FAKETIME_NO_CACHE", "DONT_FAKE_MONOTONIC")


def binaries() -> Path:
    """The newest installed PostgreSQL's bin directory."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install postgresql, or run .ci/run")
    return Path(found[-1]).parent


@dataclass
class Cluster:
    root: Path  # data/ and the socket live here
    bin: Path
    user: str | None  # run as this user (when the tests run as root)

    @property
    def socket_dir(self) -> Path:
        return self.root

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@/{dbname}?host={self.socket_dir}"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
        return subprocess.run([str(self.bin / args[0]), *args[1:]], check=True, capture_output=True, text=True,
                               env=env, user=self.user, timeout=120)

    def start(self) -> None:
        data = self.root / "data"
        self._run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
        options = f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}' -c fsync=off -c max_connections=100"
        self._run("pg_ctl", "-D", str(data), "-o", options, "-l", str(self.root / "server.log"), "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]  # generated name
        return self.url(name)


def start_cluster() -> Cluster:
    user = None
    if os.geteuid() == 0:
        user = "postgres"
        try:
            pwd.getpwnam(user)
        except KeyError:
            user = "nobody"
    root = Path(tempfile.mkdtemp(prefix="pg-", dir="/tmp"))  # short: a socket path has at most 107 bytes
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    cluster = Cluster(root, binaries(), user)
    try:
        cluster.start()
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {exc.stderr or exc.stdout}") from None
    return cluster


def remove(cluster: Cluster) -> None:
    try:
        cluster.stop()
    finally:
        shutil.rmtree(cluster.root, ignore_errors=True)
