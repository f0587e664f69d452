"""Real servers the tests start on free loopback ports, from Debian's packages (installed by .ci/run):
PostgreSQL and Redis. A test that needs one is skipped, saying so, only where the binary is absent."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.ports import accepting, free_port


def _binary(name: str) -> str | None:
    """A server binary on PATH, or in Debian's versioned PostgreSQL directory (not on PATH by default)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _wait(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 30
    while not accepting(port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{what} did not start")
        time.sleep(0.05)


@contextlib.contextmanager
def redis_server(port: int | None = None) -> Iterator[str]:
    """A throwaway redis-server (no persistence) on `port` (default: a free one); its URL. Leaving the block
    stops it, as a crash would: what it held is gone."""
    binary = _binary("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (Debian package redis-server; .ci/run installs it)")
    port = port or free_port()
    with tempfile.TemporaryDirectory() as workdir:
        args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir]
        server = subprocess.Popen([binary, *args], stdout=subprocess.DEVNULL)
        try:
            _wait(port, server, "redis-server")
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            server.terminate()
            server.wait(10)


@contextlib.contextmanager
def postgres_server(port: int | None = None) -> Iterator[str]:
    """A throwaway PostgreSQL cluster (trust authentication on loopback) with a `coopbot` database, on `port`
    (default: a free one); its URL."""
    initdb, postgres = _binary("initdb"), _binary("postgres")
    if initdb is None or postgres is None:
        pytest.skip("PostgreSQL is not installed (Debian package postgresql; .ci/run installs it)")
    as_user: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix="coopbot-pg-", dir="/tmp"))
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as its own user
        shutil.chown(workdir, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = port or free_port()
    try:
        subprocess.run([*as_user, initdb, "-D", str(workdir / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                       check=True, capture_output=True)  # fmt: skip
        server = subprocess.Popen(
            [*as_user, postgres, "-D", str(workdir / "data"), "-p", str(port), "-h", "127.0.0.1", "-k", str(workdir),
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            _wait(port, server, "PostgreSQL")
            import psycopg

            for _ in range(50):  # the port opens a moment before connections are accepted
                try:
                    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True) as conn:
                        conn.execute("CREATE DATABASE coopbot")
                    break
                except psycopg.OperationalError:
                    time.sleep(0.1)
            yield f"postgresql://postgres@127.0.0.1:{port}/coopbot"
        finally:
            server.terminate()
            server.wait(20)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
