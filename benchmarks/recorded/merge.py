"""Side-by-side tables (gap % per instance, per suite and time limit) from benchmark JSON files.

Usage: python benchmarks/recorded/merge.py a.json b.json ... (records of several runs merged).
The skills and realistic days get ``benchmarks.report.days_tables`` instead (run from the
repository root so that ``benchmarks`` imports).
"""
import json, sys, statistics
from collections import defaultdict
out = []
files = sys.argv[1:]
recs = [r for f in files for r in json.load(open(f))["records"]]
by = defaultdict(dict)
solvers = []
for r in recs:
    by[(r["suite"], r["time_limit_s"], r["instance"])][r["solver"]] = r
    if r["solver"] not in solvers:
        solvers.append(r["solver"])
order = [s for s in ("dispatch", "pyvrp", "vroom") if s in solvers]
DAYS = ("skills", "realistic")
for (suite, limit) in sorted({(k[0], k[1]) for k in by if k[0] not in DAYS}):
    keys = sorted(k for k in by if k[0] == suite and k[1] == limit)
    print(f"\n**{suite} @ {limit:g} s** (gap % to best known; * = infeasible or error)\n")
    print("| instance | " + " | ".join(order) + " |")
    print("|---|" + "---|" * len(order))
    gaps = defaultdict(list); walls = defaultdict(list)
    for k in keys:
        cells = []
        for s in order:
            r = by[k].get(s)
            if r is None:
                cells.append("–"); continue
            if r["gap_pct"] is None:
                cells.append("*")
            else:
                cells.append(f"{r['gap_pct']:.2f}"); gaps[s].append(r["gap_pct"])
            if r["wall_s"] is not None:
                walls[s].append(r["wall_s"])
        if len(keys) <= 12:
            print(f"| {k[2]} | " + " | ".join(cells) + " |")
    print(f"| **mean (n)** | " + " | ".join(f"**{statistics.mean(gaps[s]):.2f}** ({len(gaps[s])})" if gaps[s] else "–" for s in order) + " |")
    print(f"| median / max wall s | " + " | ".join(f"{statistics.median(walls[s]):.2f} / {max(walls[s]):.2f}" if walls[s] else "–" for s in order) + " |")
    # per class means for Solomon
    if len(keys) > 12:
        classes = defaultdict(lambda: defaultdict(list))
        for k in keys:
            cls = k[2].rstrip("0123456789")
            for s in order:
                r = by[k].get(s)
                if r and r["gap_pct"] is not None:
                    classes[cls][s].append(r["gap_pct"])
        for cls in sorted(classes):
            print(f"| {cls} mean | " + " | ".join(f"{statistics.mean(classes[cls][s]):.2f}" if classes[cls][s] else "–" for s in order) + " |")
days = [r for r in recs if r["suite"] in DAYS]
if days:
    from benchmarks.report import Record, days_tables
    print(days_tables([Record(**r) for r in days]))
