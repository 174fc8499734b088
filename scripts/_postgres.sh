# Sourced by scripts/test: a private PostgreSQL server for the run, stopped when the run ends.
# Debian's postgresql is installed when missing; the server listens on a Unix socket only (no TCP
# port to collide with), with fsync off (a test server's data may be lost on a crash). As root the
# server runs as the postgres user (PostgreSQL refuses to run as root). KPI_TEST_PG names it.
start_private_postgres() {
    install_debian_packages postgresql
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
        echo "PostgreSQL is not installed (Debian package postgresql): the PostgreSQL tests will fail under CI" >&2
        return 0
    fi
    PG_DIR=$(mktemp -d /tmp/kpi-pg.XXXXXX)
    local run=()
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$PG_DIR"
        run=(runuser -u postgres --)
    fi
    "${run[@]}" "$bin/initdb" -D "$PG_DIR/data" -U postgres -A trust --locale=C --encoding=UTF8 >"$PG_DIR/initdb.log" 2>&1 \
        || { cat "$PG_DIR/initdb.log" >&2; return 1; }
    "${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start \
        -o "-c listen_addresses='' -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        >/dev/null || { cat "$PG_DIR/server.log" >&2; return 1; }
    PG_STOP=("${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop)
    trap 'stop_private_postgres' EXIT
    export KPI_TEST_PG="postgresql://postgres@/?host=$PG_DIR"
    echo "PostgreSQL test server: $KPI_TEST_PG"
}
stop_private_postgres() {
    if [ -n "${PG_DIR:-}" ]; then
        "${PG_STOP[@]}" >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
}
