"""Conversation steps a second with 1, 2 and 4 bot processes on PostgreSQL, against one on SQLite.

    KETNOI_TEST_DATABASE_URL=postgresql://… python -m bench.processes [--people 300]

Each run: a fresh database, a fair of 80 booths and `people` registered producers; the bot as
in production (`python main.py run`, webhook mode, behind the benchmark playing the load
balancer: tests/fakes/botcluster.py) against the fake Bot API with no cap; every producer walks
a booth application to its summary, all at once at each of the five steps (an update handled,
its state saved, its reply sent). Reported: steps answered per second over the walk, and the
CPU seconds the bot processes and the PostgreSQL server used.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from bench.broadcast import machine
from bot.core.config import Settings
from tests.fakes.botcluster import Cluster, seed_fair_and_producers, walk_to_summary
from tests.fakes.telegram_api import FakeTelegram

FIRST_PRODUCER = 1_000_000


def _cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_cpu(url: str) -> float:
    """CPU seconds of the PostgreSQL server's processes (this machine's, by their pids)."""
    with psycopg.connect(url, autocommit=True) as conn:
        pids = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity").fetchall()]
    total = 0.0
    for pid in pids:
        try:
            total += _cpu(pid)
        except OSError:
            continue
    return total


def _database(server: str, name: str) -> str:
    """The server's URL with another database name."""
    return urlsplit(server)._replace(path=f"/{name}").geturl()


def run(engine: str, processes: int, people: int, server: str | None) -> str:
    with tempfile.TemporaryDirectory() as tmp, FakeTelegram(token="123456:TEST-token") as fake:
        fake.rate_limit(None)
        path = Path(tmp) / "bench.db"
        database = {"KETNOI_DB_PATH": str(path)}
        url: str | None = None
        if engine == "postgresql":
            assert server is not None
            name = f"ketnoi_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {name}")
            url = _database(server, name)
            database["KETNOI_DATABASE_URL"] = url
        settings = Settings(_env_file=None, db_path=path, database_url=url)  # type: ignore[call-arg]
        chats = [FIRST_PRODUCER + i for i in range(people)]
        asyncio.run(seed_fair_and_producers(settings, chats))
        try:
            with Cluster(
                fake, Path(tmp), database, processes, KETNOI_TELEGRAM_RATE="100000"
            ) as cluster:
                pids = [b.proc.pid for b in cluster.bots if b.proc is not None]
                before = sum(_cpu(p) for p in pids)
                server_before = _server_cpu(url) if url else 0.0
                started = time.monotonic()
                steps = walk_to_summary(fake, cluster, chats)
                seconds = time.monotonic() - started
                cpu = sum(_cpu(p) for p in pids) - before
                server_cpu = (_server_cpu(url) - server_before) if url else 0.0
        finally:
            if url is not None:
                with psycopg.connect(server or "", autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        where = "SQLite" if engine == "sqlite" else "PostgreSQL"
        server_part = f", server {server_cpu:.1f}" if url else ""
        return (
            f"| {where} | {processes} | {steps} | {seconds:.1f} | {steps / seconds:.0f} |"
            f" bot {cpu:.1f}{server_part} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--processes", default="1,2,4", help="PostgreSQL runs, e.g. 1,2,4")
    args = parser.parse_args()
    server = os.environ.get("KETNOI_TEST_DATABASE_URL")
    lines = [
        f"### Conversation steps a second: {args.people} producers walk to a booth summary",
        "",
        "- command: `KETNOI_TEST_DATABASE_URL=… python -m bench.processes`",
        f"- machine: {machine()}; load average before: {os.getloadavg()[0]:.1f}",
        "",
        "| database | processes | steps | seconds | steps/s | CPU seconds |",
        "|---|---|---|---|---|---|",
    ]
    lines.append(run("sqlite", 1, args.people, None))
    print(lines[-1], flush=True)
    if server:
        for n in (int(p) for p in args.processes.split(",")):
            lines.append(run("postgresql", n, args.people, server))
            print(lines[-1], flush=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
