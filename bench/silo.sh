# What the benchmarks of this folder share: their work folder and Release build, the embedded dev Kafka
# and one Release silo with memory storage on the Kaggle catalog, each in its own process group (added
# to `pids`). Sourced from the repository root, never run; prepare_bench comes first.

# prepare_bench: finds the catalog (sets `catalog`), makes the work folder (`work`), kills the process
# groups in `pids` and removes the folder on exit, and builds the solution in Release.
prepare_bench() {
  catalog=${CATALOG:-$(pwd)/../shared/data/spotify_tracks.csv}
  [ -f "$catalog" ] || { echo "no catalog at $catalog; set CATALOG to the Kaggle Spotify Tracks CSV"; exit 1; }
  work=$(mktemp -d -t encore-bench.XXXXXX)
  pids=()
  trap cleanup_bench EXIT
  dotnet build Orleans.sln -c Release -nologo -v q >"$work/build.log" 2>&1 || { tail -20 "$work/build.log"; exit 1; }
}

# need_dotnet_tools TOOL...: the .NET global tools the benchmark runs (dotnet-counters, dotnet-trace),
# installed when missing, and on the PATH.
need_dotnet_tools() {
  export PATH="$PATH:$HOME/.dotnet/tools"
  for tool in "$@"; do
    command -v "$tool" >/dev/null || dotnet tool install -g "$tool" >/dev/null
  done
}

# start_counters FILE: records the silo's System.Runtime counters every second into FILE (csv), until
# stop_counters; bench/gc_totals.py sums them.
start_counters() {
  dotnet-counters collect -p "$silo" --counters System.Runtime --refresh-interval 1 --format csv -o "$1" >/dev/null 2>&1 &
  counters=$!
  # It writes the file once attached: a pass started before that would miss its first seconds.
  for _ in $(seq 40); do [ -s "$1" ] && break; sleep 0.25; done
}

# dotnet-counters may have ended on its own (it did, now and then, for a second pass on 2026-12-01), and
# a failed kill stopped the scripts under set -e without a word.
stop_counters() { kill "$counters" 2>/dev/null || true; wait "$counters" 2>/dev/null || true; }

# Killed, not stopped: a silo holding 100 000 activations takes minutes of full CPU to stop gracefully,
# which would load whatever runs next on the machine.
cleanup_bench() { for p in "${pids[@]}"; do { kill -KILL -- -"$p"; wait "$p"; } 2>/dev/null || true; done; rm -rf "$work"; }

# start_kafka PARTITIONS: starts the dev cluster; sets `bootstrap`.
start_kafka() {
  setsid dotnet Client/bin/Release/net10.0/encore.dll kafka-dev --partitions "$1" --bootstrap-file "$work/bootstrap" >"$work/kafka.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 120); do [ -s "$work/bootstrap" ] && break; sleep 0.5; done
  bootstrap=$(cat "$work/bootstrap")
}

# start_silo PORT_SUFFIX: starts the silo on HTTP 181xx, silo port 211xx and gateway 311xx, waits until
# it is ready; sets `api` and `silo` (its process id).
start_silo() {
  api=http://127.0.0.1:181$1
  # Started from its own folder, as `dotnet run` and the container image start it: the silo reads its
  # appsettings.json (log levels) from the folder it starts in.
  setsid env Kafka__BootstrapServers="$bootstrap" Catalog__Path="$catalog" Demo__EventsPerSecond=0 \
    Orleans__SiloPort=211$1 Orleans__GatewayPort=311$1 \
    sh -c 'cd Silo/bin/Release/net10.0 && exec dotnet Encore.Silo.dll "$@"' silo --urls "$api" >"$work/silo.log" 2>&1 &
  local group=$!
  pids+=($group)
  for _ in $(seq 240); do curl -sf "$api/health/ready" >/dev/null && break; sleep 0.5; done
  silo=$(pgrep -g "$group" -f Encore.Silo.dll | head -1)
}
