#!/usr/bin/env bash
# Runs every Encore test on a fresh Debian machine: installs what the tests need, starts a throwaway
# PostgreSQL cluster on a free port, builds with warnings as errors, runs each test project, and ends
# with one line that sums them all: "tests: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")"
root=$(pwd)
work=$(mktemp -d /tmp/encore-test.XXXXXX)
chmod 755 "$work"

log() { printf '\n== %s\n' "$*"; }

# --- what the tests need from Debian ------------------------------------------------------------
need=()
command -v kcat >/dev/null || need+=(kcat)
command -v chromium >/dev/null || need+=(chromium)
command -v psql >/dev/null || need+=(postgresql-client)
pg_bin=$(dirname "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -n1)")
[ -x "$pg_bin/initdb" ] || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null \
    || { echo "could not install ${need[*]}"; exit 1; }
  pg_bin=$(dirname "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb | tail -n1)")
fi

# --- a throwaway PostgreSQL cluster on a free port (unless one is given, as in GitHub Actions) ----
pg_started=""
stop_postgres() {
  if [ -n "$pg_started" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap stop_postgres EXIT

as_pg() {
  # initdb and postgres refuse to run as root.
  if [ "$(id -u)" -eq 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

if [ -z "${ENCORE_TEST_POSTGRES:-}" ]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$work/pg" && [ "$(id -u)" -eq 0 ] && chown nobody "$work/pg"
  log "starting PostgreSQL on 127.0.0.1:$port"
  as_pg "$pg_bin/initdb" -D "$work/pg" -U encore --auth=trust -E UTF8 >/dev/null \
    && as_pg "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg/server.log" -w \
         -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null \
    || { echo "PostgreSQL did not start"; cat "$work/pg/server.log" 2>/dev/null; exit 1; }
  pg_started=1
  export ENCORE_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=encore;Database=postgres"
  export ENCORE_TEST_PG_BIN="$pg_bin" ENCORE_TEST_PG_DATA="$work/pg" ENCORE_TEST_PG_PORT="$port"
fi

# --- build once, warnings are errors ------------------------------------------------------------
log "build"
dotnet build Orleans.sln -c Release -warnaserror -nologo -clp:NoSummary -v:q || { echo "tests: 0 passed, 1 failed"; exit 1; }

# --- every test project, one after the other (they start clusters; 2 cores) --------------------
passed=0; failed=0; skipped=0; status=0
for project in test/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  log "$name"
  results="$root/artifacts/test-results/$name"
  rm -rf "$results"
  dotnet test "$project" -c Release --no-build -nologo --logger "trx;LogFileName=results.trx" --results-directory "$results"
  rc=$?
  trx="$results/results.trx"
  if [ ! -f "$trx" ]; then
    echo "$name: the test run produced no results (exit $rc)"; failed=$((failed + 1)); status=1; continue
  fi
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  count() { sed -E "s/.* $1=\"([0-9]+)\".*/\1/" <<<"$counters"; }
  # Skipped tests are counted as total minus executed (the TRX notExecuted counter stays at 0 for them).
  p=$(count passed); f=$(( $(count failed) + $(count error) + $(count timeout) + $(count aborted) )); s=$(( $(count total) - $(count executed) ))
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  [ "$rc" -eq 0 ] && [ "$f" -eq 0 ] || status=1
done

echo
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
