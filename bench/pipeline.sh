#!/usr/bin/env bash
# Where a silo's time and memory go while it ingests: one silo (memory storage) on the embedded dev
# Kafka, 600 000 plays by 100 000 listeners over the catalog on 64 partitions produced at once (cold:
# every grain is new), then 300 000 more plays by the same listeners (warm). Prints events/s, the silo's
# resident memory and CPU time, and the runtime's GC pause time and bytes allocated in each pass.
#
#   bench/pipeline.sh [--trace]        from the repository root; needs kcat and jq (apt-get install kcat jq)
#
# --trace also records 30 s of the cold pass with dotnet-trace (sampled thread time) and 30 s of
# allocation ticks, under artifacts/bench/. The figures and what they showed are in docs/performance.md.
# The performance bars themselves are the cross-check of this against a hand-written consumer in one
# run: ../shared/bench/throughput.sh and latency.sh, when that folder is beside the checkout.
set -Eeuo pipefail
# set -e stops the script without a word; say where.
trap 'echo "bench/pipeline.sh: line $LINENO exited with $?" >&2' ERR
cd "$(dirname "$0")/.."
root=$(pwd)
trace=${1:-}
command -v kcat >/dev/null && command -v jq >/dev/null || { echo "needs kcat and jq: apt-get install -y kcat jq"; exit 1; }

out=$root/artifacts/bench; mkdir -p "$out"
source bench/silo.sh
need_dotnet_tools dotnet-counters dotnet-trace
prepare_bench

# The plays: uniform over listeners and tracks, a week of event times, an eighth of them skips.
generate() {
  python3 - "$catalog" "$1" "$2" "$3" <<'PY'
import csv, json, random, sys, datetime, uuid
catalog, path, count, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
random.seed(seed)
ids = sorted({row['track_id'] for row in csv.DictReader(open(catalog, newline='', encoding='utf-8'))})
now = datetime.datetime.now(datetime.timezone.utc)
with open(path, "w") as f:
    for _ in range(count):
        user = f"user-{1 + random.randrange(100000)}"; ms = random.randrange(0, 240000)
        event = {"eventId": str(uuid.UUID(int=random.getrandbits(128))), "userId": user, "trackId": random.choice(ids),
                 "ts": (now - datetime.timedelta(seconds=random.randrange(604800))).strftime('%Y-%m-%dT%H:%M:%SZ'),
                 "msPlayed": ms, "skipped": ms < 30000}
        f.write(user + "\t" + json.dumps(event, separators=(',', ':')) + "\n")
PY
}
generate "$work/cold.tsv" 600000 3
generate "$work/warm.tsv" 300000 4

start_kafka 64
start_silo 90

processed() { curl -sf $api/api/stats | jq .eventsProcessed; }
# To the kernel's clock tick (10 ms), not the second: CPU time per event leaves out the time the silo
# waits for cores other processes hold, so it moves less than events/s between runs (docs/performance.md).
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' /proc/$silo/stat; }

# pass NAME FILE TOTAL: produces FILE, waits until TOTAL events are processed, prints the pass's figures.
pass() {
  local name=$1 file=$2 total=$3 before cpu0 t0 t1
  before=$(processed); cpu0=$(cpu_seconds)
  start_counters "$work/$name.csv"
  t0=$(date +%s.%N)
  kcat -b "$bootstrap" -P -t music.plays -K $'\t' -z lz4 <"$file"
  if [ "$trace" = "--trace" ] && [ "$name" = cold ]; then
    dotnet-trace collect -p "$silo" --profile dotnet-sampled-thread-time --duration 00:00:00:30 -o "$out/cold-threads.nettrace" >/dev/null 2>&1
    dotnet-trace collect -p "$silo" --profile gc-verbose --duration 00:00:00:30 -o "$out/cold-allocations.nettrace" >/dev/null 2>&1
  fi
  for _ in $(seq 2400); do [ "$(processed)" -ge "$total" ] && break; sleep 0.5; done
  t1=$(date +%s.%N)
  stop_counters
  python3 - "$work/$name.csv" "$name" "$((total - before))" "$t0" "$t1" "$(ps -o rss= -p "$silo")" "$cpu0" "$(cpu_seconds)" <<'PY'
import os, sys
sys.path.insert(0, "bench")
from gc_totals import gc_totals
path, name, events, t0, t1, rss = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
cpu = float(sys.argv[8]) - float(sys.argv[7])
seconds = t1 - t0
line = f"{name}: {events / seconds:,.0f} events/s ({events:,} in {seconds:.1f} s), silo RSS {rss // 1024:,} MB, CPU {cpu:.2f} s ({cpu / events * 1e6:.1f} µs per event), "
if os.path.getsize(path) if os.path.exists(path) else 0:
    gc = gc_totals(path)
    line += (f"GC pauses {gc.pause_seconds:.1f} s, allocated {gc.allocated_bytes / 1e9:.1f} GB "
             f"({gc.allocated_bytes / events / 1024:.0f} KB per event), collections gen0/gen1/gen2 {gc.collections_text()}")
else:
    line += "no GC figures (dotnet-counters recorded nothing)"
print(line)
PY
}

echo "pipeline benchmark $(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg)"
pass cold "$work/cold.tsv" 600000
pass warm "$work/warm.tsv" 900000
# grep -c exits 1 when it counts none, which is the good case.
echo "grain calls timed out: $(grep -a -c "Response did not arrive on time" "$work/silo.log" || true)"
