# What bench/pipeline.sh and bench/memory.sh share: the embedded dev Kafka and one Release silo with
# memory storage on the Kaggle catalog, each in its own process group (added to `pids`). Sourced, never
# run; expects `work`, `catalog` and `pids` set.

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
