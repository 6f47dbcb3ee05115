#!/bin/sh
# A throwaway PostgreSQL for the tests: `tools/pg_throwaway.sh start DIR [PORT]` makes a cluster
# in DIR (fsync off, little WAL kept: nothing in it outlives the run; DIR may be in memory),
# listening only on a unix socket in DIR, and prints the URL to put in KETNOI_TEST_DATABASE_URL;
# `tools/pg_throwaway.sh stop DIR` stops it and removes DIR. Uses the machine's own server binaries (Debian's `postgresql` package:
# /usr/lib/postgresql/*/bin); as root (CI) the server runs as the `postgres` user, since
# PostgreSQL refuses to run as root.
set -eu
cmd=${1:?start|stop}
dir=${2:?directory}
port=${3:-55432}
bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$bin/initdb" ] || { echo "no PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 1; }
as_owner() {  # from / : the postgres user may not enter the caller's directory
    if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}
case $cmd in
start)
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        chown postgres: "$dir"
    fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -s start -o \
        "-c listen_addresses='' -c unix_socket_directories='$dir' -p $port -c fsync=off \
         -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 \
         -c wal_level=minimal -c max_wal_senders=0 -c max_wal_size=256MB"
    echo "postgresql://postgres@/postgres?host=$dir&port=$port"
    ;;
stop)
    if [ -d "$dir/data" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -s -m immediate stop || true; fi
    rm -rf "$dir"
    ;;
*) echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac
