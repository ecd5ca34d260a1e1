"""Summarizes scripts/search-comparison.sh's sweeps: best-so-far per method and seed, and trials to reach random's best."""
import csv, statistics, sys
from pathlib import Path

out = Path(sys.argv[1])
def best_so_far(method, seed):
    with open(out / f"{method}-seed{seed}" / "search-coarse.csv") as f:
        return [round(float(r["best so far"]), 6) if r["best so far"] else 0.0 for r in csv.DictReader(f)]

seeds = [1, 2, 3]
curves = {(m, s): best_so_far(m, s) for m in ("random", "gp", "tpe") for s in seeds}
print("| method | seed | best of 10 | best of 20 | best of 40 | trials to reach random's best of 40 |")
print("|---|---|---|---|---|---|")
reach = {}
for m in ("random", "gp", "tpe"):
    for s in seeds:
        c = curves[(m, s)]
        target = curves[("random", s)][39]
        n = next((i + 1 for i, v in enumerate(c) if v >= target), None)
        reach.setdefault(m, []).append(n if n is not None else float("inf"))
        print(f"| {m} | {s} | {c[9]:.4f} | {c[19]:.4f} | {c[39]:.4f} | {n if n is not None else 'not within 40'} |")
for m in ("gp", "tpe"):
    print(f"{m}: median trials to reach random's best of 40: {statistics.median(reach[m])}")
