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
    """(cumulative trial-cycles, best full-budget accuracy so far) at the end of each round (bracket), rounds
    in order: a bracket's full-budget result is known only once its lower rungs have run."""
    round_of = {r["trial"]: int(r["round"]) for r in rows(name, seed, "search-coarse.csv")}
    spent, best, curve = 0.0, 0.0, []
    trials = rows(name, seed, "trials.csv")
    for bracket in sorted(set(round_of.values())):
        inside = [r for r in trials if round_of[r["trial"]] == bracket]
        spent += sum(float(r["budgetCycles"] or 0) for r in inside)
        best = max([best] + [round(float(r["validationAccuracy"]), 6) for r in inside
                             if r["status"] == "completed" and r["validationAccuracy"]])
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
    # As Falkner et al. report speed-ups: on the mean best-so-far curve over seeds (both methods spend the
    # same trial-cycles per bracket, so the curves share their x values).
    mean = {m: [(c[0][0], statistics.mean(b for _, b in c)) for c in zip(*(cycles_curve(m, s) for s in seeds))]
            for m in ("sh-random", "bohb")}
    target = mean["sh-random"][-1][1]
    sh_at = next(c for c, b in mean["sh-random"] if b >= target)
    at = next((c for c, b in mean["bohb"] if b >= target), None)
    print(f"Mean over seeds: SH-random's best {target:.4f} after {sh_at:g} trial-cycles; BOHB's mean reaches it after " +
          (f"{at:g} (share {at / sh_at:.2f}); BOHB's mean at the end {mean['bohb'][-1][1]:.4f}" if at is not None else "never"))

def svg(path, title, xlabel, series):
    """A small line chart (no plotting library needed): series = [(label, colour, [(x, y), ...], width), ...]."""
    w, h, l, r, t, b = 720, 380, 60, 170, 30, 45
    xs = [x for _, _, pts, _ in series for x, _ in pts]
    ys = [y for _, _, pts, _ in series for _, y in pts if y > 0]
    x0, x1, y0, y1 = 0, max(xs), min(ys) - 0.005, max(ys) + 0.005
    px = lambda x: l + (x - x0) / (x1 - x0) * (w - l - r)
    py = lambda y: t + (1 - (y - y0) / (y1 - y0)) * (h - t - b)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">',
             f'<rect x="{l}" y="{t}" width="{w-l-r}" height="{h-t-b}" fill="#fcfcfc" stroke="#bbb"/>',
             f'<text x="{l}" y="18" font-size="13">{title}</text>',
             f'<text x="{(l + w - r) / 2}" y="{h - 8}" text-anchor="middle">{xlabel}</text>']
    for k in range(6):
        y = y0 + (y1 - y0) * k / 5
        parts.append(f'<text x="{l - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{y:.3f}</text>')
        x = x0 + (x1 - x0) * k / 5
        parts.append(f'<text x="{px(x):.1f}" y="{h - b + 15}" text-anchor="middle">{x:g}</text>')
    for i, (label, colour, pts, width) in enumerate(series):
        pts = [(x, y) for x, y in pts if y > 0]
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="{width}" points="' +
                     " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts) + '"/>')
        parts.append(f'<text x="{w - r + 8}" y="{t + 14 * i + 10}" fill="{colour}">{label}</text>')
    parts.append("</svg>")
    Path(path).write_text("\n".join(parts))

colours = {"random": "#7f7f7f", "gp": "#1f77b4", "tpe": "#ff7f0e", "sh-random": "#7f7f7f", "bohb": "#2ca02c"}
if which != "bohb":
    svg(out / "search-best-so-far.svg", "CIFAR-10 search: best validation accuracy so far (3 sweep seeds)", "trials",
        [(f"{m} seed {s}", colours[m], [(i + 1, v) for i, v in enumerate(best_so_far(m, s))], 1.8)
         for m in ("random", "gp", "tpe") for s in seeds])
    print(f"figure: {out / 'search-best-so-far.svg'}")
if which != "search":
    svg(out / "bohb-best-so-far.svg", "CIFAR-10 BOHB vs successive halving over random samples", "trial-cycles (brackets in order)",
        [(f"{m} seed {s}", colours[m], cycles_curve(m, s), 1.2) for m in ("sh-random", "bohb") for s in seeds] +
        [(f"{m} mean", colours[m], mean[m], 4) for m in ("sh-random", "bohb")])
    print(f"figure: {out / 'bohb-best-so-far.svg'}")
