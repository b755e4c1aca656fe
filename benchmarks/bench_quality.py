"""Score SnapAssist's spots against the demo generator's true viewpoints.

For every landmark of the demo world, the phrase a photographer would type
is searched as the web app searches it, and the spots are scored
(``snapassist/demo/quality.py`` defines each measure): recall, precision,
duplication, completeness, spread and how often the rare admired viewpoints
rank in the top 3 (and purity: the share of a real spot's photos taken at
the viewpoints it stands on). One line per subject, then the totals; ``--json`` writes
them all to compare versions.

Run ``python benchmarks/bench_quality.py`` (60,000 photos),
``--n 1000000`` for the large demo, ``--quick`` for a 20,000-photo smoke
run, or ``--folder`` to score demo tables already built.
"""
import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

from snapassist import config
from snapassist.demo import build_demo_tables
from snapassist.demo.quality import TARGETS, evaluate, meets, summary


def _fmt(x, digits=2):
    return "   -" if math.isnan(x) else f"{x:.{digits}f}"


def print_table(rows, totals, out=sys.stdout):
    head = (f"{'subject':<16} {'phrase':<22} {'photos':>6} {'true':>4} {'found':>5} "
            f"{'spots':>5} {'real':>4}  recall  prec  dup  compl  pure  spread  rare top3")
    print(head, file=out)
    for row in rows + [totals]:
        s = summary(row)
        rare = f"{row['n_rare_top']}/{row['n_rare']}" if row["n_rare"] else "-"
        print(f"{row['subject']:<16} {row['phrase'][:22]:<22} {row['n_photos']:>6} "
              f"{row['n_true']:>4} {row['n_found']:>5} {row['n_spots']:>5} {row['n_real']:>4}  "
              f"{_fmt(s['recall']):>6} {_fmt(s['precision']):>5} {_fmt(s['duplication']):>4} "
              f"{_fmt(s['completeness']):>6} {_fmt(s['purity']):>5} {_fmt(s['spread_m'], 0):>6}  "
              f"{rare:>9}", file=out)
    checks = meets(totals)
    print("targets: " + ", ".join(f"{k} {op} {v:g}: {'met' if checks[k] else 'MISSED'}"
                                  for k, (op, v) in TARGETS.items()), file=out)


def run(folder, label, json_path=None):
    start = time.perf_counter()
    rows, totals = evaluate(folder)
    seconds = time.perf_counter() - start
    print(f"== {label}: {len(rows)} subjects scored in {seconds:.1f} s")
    print_table(rows, totals)
    if json_path:
        data = {"label": label, "seconds": seconds, "summary": summary(totals),
                "totals": totals, "subjects": [{**r, **summary(r)} for r in rows]}
        Path(json_path).write_text(json.dumps(data, indent=1, default=float), encoding="utf-8")
        print(f"written {json_path}")
    return totals


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 20,000-photo smoke run")
    parser.add_argument("--n", type=int, default=config.DEMO_N_PHOTOS,
                        help="photos in the demo tables to build (default 60,000)")
    parser.add_argument("--folder", help="score demo tables already built here instead")
    parser.add_argument("--json", help="also write the rows and totals to this JSON file")
    args = parser.parse_args(argv)
    if args.folder:
        run(args.folder, f"demo tables in {args.folder}", args.json)
        return
    n = 20_000 if args.quick else args.n
    with tempfile.TemporaryDirectory() as tmp:
        build_demo_tables(tmp, n_photos=n, seed=config.DEMO_SEED)
        run(tmp, f"demo, {n:,} photos, seed {config.DEMO_SEED}", args.json)


if __name__ == "__main__":
    main()
