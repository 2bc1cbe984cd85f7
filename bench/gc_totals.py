"""The garbage collector's totals over a run, from a `dotnet-counters collect --format csv` file of the
System.Runtime counters (one row per counter and second): what the benchmarks' summaries print."""
import csv
from typing import NamedTuple


class GcTotals(NamedTuple):
    pause_seconds: float
    allocated_bytes: float
    collections: tuple  # gen0, gen1, gen2

    def collections_text(self):
        return "/".join(f"{c:.0f}" for c in self.collections)


def gc_totals(path):
    rows = list(csv.reader(open(path)))[1:]

    def total(prefix):
        return sum(float(r[4]) for r in rows if r[2].startswith(prefix))

    return GcTotals(
        total("dotnet.gc.pause.time"),
        total("dotnet.gc.heap.total_allocated"),
        tuple(total(f"dotnet.gc.collections ({{collection}} / 1 sec)[gc.heap.generation={g}]") for g in ("gen0", "gen1", "gen2")))
