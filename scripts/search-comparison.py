"""Summarizes scripts/search-comparison.sh's sweeps (from search-coarse.csv and trials.csv, read by header)."""
import csv, statistics, sys
from pathlib import Path

out, which = Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "all"
seeds = [1, 2, 3]

def rows(name, seed, file):
    with open(out / f"{name}-seed{seed}" / file) as f:
        return list(csv.DictReader(f))

def best_so_far(name, seed):
    return [round(float(r["best so far"]), 6) if r["best so far"] else 0.0 for r in rows(name, seed, "search-coarse.csv")]

if which != "bohb":
    curves = {(m, s): best_so_far(m, s) for m in ("random", "gp", "tpe") for s in seeds}
    print("| method | seed | best of 10 | best of 20 | best of 40 | trials to reach random's best of 40 |")
    print("|---|---|---|---|---|---|")
    reach = {}
    for m in ("random", "gp", "tpe"):
        for s in seeds:
            c = curves[(m, s)]
            target = curves[("random", s)][39]
            n = next((i + 1 for i, v in enumerate(c) if v >= target), None)
            reach.setdefault(m, []).append(n if n is not None else 41)
            print(f"| {m} | {s} | {c[9]:.4f} | {c[19]:.4f} | {c[39]:.4f} | {n if n is not None else 'not within 40'} |")
    for m in ("gp", "tpe"):
        print(f"{m}: trials to reach random's best of 40, median over seeds: {statistics.median(reach[m])} (41: not within 40)")

def cycles_curve(name, seed):
    """(cumulative trial-cycles, best full-budget accuracy so far), trials in id order."""
    spent, best, curve = 0.0, 0.0, []
    for r in sorted(rows(name, seed, "trials.csv"), key=lambda r: int(r["trial"])):
        spent += float(r["budgetCycles"] or 0)
        if r["status"] == "completed" and r["validationAccuracy"]:
            best = max(best, round(float(r["validationAccuracy"]), 6))
        curve.append((spent, best))
    return curve

if which != "search":
    print()
    print("| seed | SH-random best | its trial-cycles to it | BOHB best | BOHB trial-cycles in all | BOHB trial-cycles to SH-random's best | share |")
    print("|---|---|---|---|---|---|---|")
    shares = []
    for s in seeds:
        sh, bohb = cycles_curve("sh-random", s), cycles_curve("bohb", s)
        target = sh[-1][1]
        sh_at = next(c for c, b in sh if b >= target)
        at = next((c for c, b in bohb if b >= target), None)
        share = at / sh_at if at is not None else float("inf")
        shares.append(share)
        print(f"| {s} | {target:.4f} | {sh_at:g} | {bohb[-1][1]:.4f} | {bohb[-1][0]:g} | {at if at is not None else 'not reached'} | {share:.2f} |")
    print(f"BOHB's trial-cycles to reach SH-random's best, as a share of SH-random's, median over seeds: {statistics.median(shares):.2f}")
