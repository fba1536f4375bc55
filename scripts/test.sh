#!/usr/bin/env bash
# Full test suite:
#   1. go vet ./...
#   2. go test with the embedded defaults (SQLite + in-process Redis)
#   3. go test -race against real PostgreSQL + Redis servers
#
# The race detector runs in pass 3, where the concurrency is real (row locks, SKIP
# LOCKED, many connections) and the Go code is the same; on SQLite, which takes one
# writer at a time, it mostly slowed the pure-Go SQLite several times over (the embedded
# pass took 460 s with it).
#
# Extra arguments are passed to both `go test` runs, e.g.
#   bash scripts/test.sh -run TestLogin -v
#
# Servers for pass 3, in order of preference:
#   - FSC_TEST_DATABASE_URL / FSC_TEST_REDIS_URL from the environment;
#   - servers already listening on 127.0.0.1:5432 / 127.0.0.1:6379;
#   - throwaway servers started here on 127.0.0.1:55432 / 127.0.0.1:56379
#     (Debian's postgresql / redis-server are installed if missing) and
#     stopped again when the script exits.
# FSC_TEST_FORCE_THROWAWAY=1 skips the first two and always starts throwaway
# servers (for testing this script).
#
# If chromium is missing it is installed, and FSC_REQUIRE_BROWSER=1 is
# exported so browser tests fail instead of skipping.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DEBIAN_FRONTEND=noninteractive

GO_TEST_FLAGS=(-count=1 -timeout 20m)
GO_TEST_FLAGS_PG=(-race "${GO_TEST_FLAGS[@]}")
PKGS=(./...)

PG_THROWAWAY_PORT=55432
REDIS_THROWAWAY_PORT=56379

# ---------------------------------------------------------------------------
# helpers

header() {
	printf '\n==================================================================\n'
	printf '== %s\n' "$*"
	printf '==================================================================\n'
}
info() { printf -- '--> %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }

# Run a command as root (directly, or via sudo when not root).
as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo -n "$@"
	else
		warn "not root and no sudo: cannot run: $*"
		return 1
	fi
}

APT_UPDATED=0
apt_install() {
	if [[ $APT_UPDATED -eq 0 ]]; then
		info "apt-get update"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q || return 1
		APT_UPDATED=1
	fi
	info "apt-get install -y $*"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" || return 1
}

# tcp_open HOST PORT: true if something accepts TCP connections there.
tcp_open() {
	timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

pg_listening() { # PORT
	if command -v pg_isready >/dev/null 2>&1; then
		pg_isready -q -h 127.0.0.1 -p "$1" -t 3
	else
		tcp_open 127.0.0.1 "$1"
	fi
}

now() { date +%s; }

# ---------------------------------------------------------------------------
# cleanup of whatever this script started

TMP_DIRS=()
PG_STARTED_DIR=""     # data dir of a throwaway PostgreSQL we started
PG_CTL=""
REDIS_STARTED_PORT="" # port of a throwaway Redis we started
REDIS_PIDFILE=""

as_pg() { # run a command as the postgres user (when root), in a dir it can read
	if [[ $(id -u) -eq 0 ]]; then
		if command -v runuser >/dev/null 2>&1; then
			runuser -u postgres -- "$@"
		else
			su postgres -s /bin/bash -c "$(printf '%q ' "$@")"
		fi
	else
		"$@"
	fi
}

# Stop the throwaway servers and remove temp dirs; safe to call twice.
stop_servers() {
	if [[ -n $PG_STARTED_DIR ]]; then
		info "stopping throwaway PostgreSQL ($PG_STARTED_DIR)"
		(cd / && as_pg "$PG_CTL" -D "$PG_STARTED_DIR" -m fast -w stop >/dev/null 2>&1) ||
			warn "pg_ctl stop failed for $PG_STARTED_DIR"
	fi
	if [[ -n $REDIS_STARTED_PORT ]]; then
		info "stopping throwaway Redis (port $REDIS_STARTED_PORT)"
		if ! redis-cli -h 127.0.0.1 -p "$REDIS_STARTED_PORT" shutdown nosave >/dev/null 2>&1; then
			kill "$(cat "$REDIS_PIDFILE" 2>/dev/null)" 2>/dev/null || true
		fi
		# shutdown returns before the process is gone; wait a little.
		for _ in $(seq 50); do
			tcp_open 127.0.0.1 "$REDIS_STARTED_PORT" || break
			sleep 0.1
		done
	fi
	local d
	for d in "${TMP_DIRS[@]}"; do
		rm -rf -- "$d" || true
	done
	PG_STARTED_DIR="" REDIS_STARTED_PORT="" TMP_DIRS=()
}

cleanup() {
	local rc=$?
	set +e
	stop_servers
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------
# throwaway servers. These functions are called in `if` conditions, where
# `set -e` does not apply, so every step checks its own status.

pg_bindir() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	if [[ -n $d && -x $d/initdb ]]; then
		printf '%s\n' "$d"
	else
		return 1
	fi
}

start_throwaway_pg() {
	local bindir tmp port
	if ! bindir=$(pg_bindir); then
		info "PostgreSQL server binaries not found; installing Debian's postgresql"
		apt_install postgresql || { warn "could not install postgresql"; return 1; }
		bindir=$(pg_bindir) || { warn "no initdb under /usr/lib/postgresql/*/bin"; return 1; }
	fi
	info "using PostgreSQL binaries in $bindir"

	if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /bin/false postgres ||
			{ warn "could not create the postgres user"; return 1; }
	fi

	port=$PG_THROWAWAY_PORT
	if pg_listening "$port" || tcp_open 127.0.0.1 "$port"; then
		warn "port $port is already in use (a leftover throwaway server?)"
		return 1
	fi

	# /tmp explicitly: the postgres user must be able to reach the directory.
	tmp=$(mktemp -d /tmp/fsc-test-pg.XXXXXX) || return 1
	TMP_DIRS+=("$tmp")
	chmod 700 "$tmp" || return 1
	if [[ $(id -u) -eq 0 ]]; then
		chown postgres: "$tmp" || return 1
	fi

	info "initdb in $tmp/data"
	(cd "$tmp" && as_pg "$bindir/initdb" -D "$tmp/data" -A trust -U postgres \
		--no-sync >"$tmp/initdb.log" 2>&1) ||
		{ cat "$tmp/initdb.log" >&2; warn "initdb failed"; return 1; }

	PG_CTL=$bindir/pg_ctl
	info "starting PostgreSQL on 127.0.0.1:$port"
	PG_STARTED_DIR=$tmp/data # set before start: a half-started server is stopped too
	(cd "$tmp" && as_pg "$PG_CTL" -D "$tmp/data" -l "$tmp/postgres.log" \
		-o "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
		-w -t 60 start >/dev/null) ||
		{ cat "$tmp/postgres.log" >&2; warn "PostgreSQL did not start"; return 1; }

	"$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres test ||
		{ warn "createdb test failed"; return 1; }

	FSC_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/test?sslmode=disable"
}

start_throwaway_redis() {
	local tmp port
	if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
		info "redis-server not found; installing Debian's redis-server"
		apt_install redis-server || { warn "could not install redis-server"; return 1; }
	fi

	port=$REDIS_THROWAWAY_PORT
	if tcp_open 127.0.0.1 "$port"; then
		warn "port $port is already in use (a leftover throwaway server?)"
		return 1
	fi

	tmp=$(mktemp -d /tmp/fsc-test-redis.XXXXXX) || return 1
	TMP_DIRS+=("$tmp")
	REDIS_PIDFILE=$tmp/redis.pid

	info "starting Redis on 127.0.0.1:$port"
	REDIS_STARTED_PORT=$port
	redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
		--daemonize yes --pidfile "$REDIS_PIDFILE" --dir "$tmp" \
		--logfile "$tmp/redis.log" ||
		{ warn "redis-server failed to start"; return 1; }
	local i
	for i in $(seq 100); do
		if [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]]; then
			FSC_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
			return 0
		fi
		sleep 0.1
	done
	cat "$tmp/redis.log" >&2 2>/dev/null
	warn "Redis did not answer PING on port $port"
	return 1
}

# Decide FSC_TEST_DATABASE_URL.
setup_postgres() {
	if [[ -n ${FSC_TEST_DATABASE_URL:-} ]]; then
		info "PostgreSQL: FSC_TEST_DATABASE_URL from the environment"
		return 0
	fi
	if [[ ${FSC_TEST_FORCE_THROWAWAY:-} != 1 ]] && pg_listening 5432; then
		local url="postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
		if ! command -v psql >/dev/null 2>&1 ||
			psql "$url" -Atqc 'select 1' >/dev/null 2>&1; then
			info "PostgreSQL: using the server on 127.0.0.1:5432"
			FSC_TEST_DATABASE_URL=$url
			return 0
		fi
		warn "a server listens on 127.0.0.1:5432 but $url does not work; starting a throwaway one"
	fi
	info "PostgreSQL: starting a throwaway server"
	start_throwaway_pg
}

# Decide FSC_TEST_REDIS_URL.
setup_redis() {
	if [[ -n ${FSC_TEST_REDIS_URL:-} ]]; then
		info "Redis: FSC_TEST_REDIS_URL from the environment"
		return 0
	fi
	if [[ ${FSC_TEST_FORCE_THROWAWAY:-} != 1 ]] && tcp_open 127.0.0.1 6379; then
		info "Redis: using the server on 127.0.0.1:6379"
		FSC_TEST_REDIS_URL="redis://127.0.0.1:6379/0"
		return 0
	fi
	info "Redis: starting a throwaway server"
	start_throwaway_redis
}

redact() { # hide a password in a URL, if any
	sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#' <<<"$1"
}

# ---------------------------------------------------------------------------
# main

header "Setup"
info "repo: $(pwd)"
info "$(go version)"
if command -v chromium >/dev/null 2>&1; then
	info "chromium: $(command -v chromium)"
	export FSC_REQUIRE_BROWSER=1
else
	info "chromium not on PATH; installing Debian's chromium"
	if apt_install chromium && command -v chromium >/dev/null 2>&1; then
		export FSC_REQUIRE_BROWSER=1
	else
		warn "could not install chromium: browser tests may be skipped"
	fi
fi
[[ ${FSC_REQUIRE_BROWSER:-} == 1 ]] && info "FSC_REQUIRE_BROWSER=1"

SUMMARY=()
FAILED=0
record() { # NAME STATUS START
	local secs=$(($(now) - $3))
	SUMMARY+=("$1: $2 (${secs}s)")
	[[ $2 == ok ]] || FAILED=1
}

# Step 1 ---------------------------------------------------------------------
header "Step 1/3: go vet ./..."
t0=$(now)
if go vet "${PKGS[@]}"; then record vet ok "$t0"; else record vet FAILED "$t0"; fi

# Step 2 ---------------------------------------------------------------------
header "Step 2/3: go test, embedded defaults (SQLite + in-process Redis)"
t0=$(now)
info "go test ${GO_TEST_FLAGS[*]} $* ${PKGS[*]}  (FSC_TEST_DATABASE_URL, FSC_TEST_REDIS_URL unset)"
if env -u FSC_TEST_DATABASE_URL -u FSC_TEST_REDIS_URL \
	go test "${GO_TEST_FLAGS[@]}" "$@" "${PKGS[@]}"; then
	record embedded ok "$t0"
else
	record embedded FAILED "$t0"
fi

# Step 3 ---------------------------------------------------------------------
header "Step 3/3: go test, PostgreSQL + Redis"
t0=$(now)
servers_ok=1
setup_postgres || { warn "no PostgreSQL server for the tests"; servers_ok=0; }
setup_redis || { warn "no Redis server for the tests"; servers_ok=0; }
if [[ $servers_ok -eq 1 ]]; then
	export FSC_TEST_DATABASE_URL FSC_TEST_REDIS_URL
	# The backup drill runs pg_dump and pg_restore.
	if ! command -v pg_dump >/dev/null 2>&1 || ! command -v pg_restore >/dev/null 2>&1; then
		info "pg_dump/pg_restore not found; installing Debian's postgresql-client"
		apt_install postgresql-client || warn "could not install postgresql-client: the backup drill will fail"
	fi
	info "FSC_TEST_DATABASE_URL=$(redact "$FSC_TEST_DATABASE_URL")"
	info "FSC_TEST_REDIS_URL=$(redact "$FSC_TEST_REDIS_URL")"
	info "go test ${GO_TEST_FLAGS_PG[*]} $* ${PKGS[*]}"
	if go test "${GO_TEST_FLAGS_PG[@]}" "$@" "${PKGS[@]}"; then
		record postgres ok "$t0"
	else
		record postgres FAILED "$t0"
	fi
	stop_servers
else
	record postgres "FAILED (server setup)" "$t0"
fi

# Summary --------------------------------------------------------------------
header "Summary"
for line in "${SUMMARY[@]}"; do
	printf '%s\n' "$line"
done
exit "$FAILED"
