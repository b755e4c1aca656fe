"""Score SnapAssist's spots against true viewpoints: the demo's, and a real city's.

For every landmark of the demo world, the phrase a photographer would type
is searched as the web app searches it, and the spots are scored
(``snapassist/demo/quality.py`` defines each measure): recall, precision,
duplication, completeness, spread and how often the rare admired viewpoints
rank in the top 3 (and purity: the share of a real spot's photos taken at
the viewpoints it stands on). The real photos of Dresden (the CC-BY sample
in ``../shared/data/dresden/``) are imported with ``snapassist import`` as a
user would, and scored the same way against viewpoints labelled from public
knowledge (``benchmarks/quality/dresden_viewpoints.json``; see
``snapassist/demo/labelled.py``). One line per subject, then the totals;
``--json`` writes them all to compare versions.

``--atlas`` also scores the city's atlas (every photo clustered, each spot
with its subjects): on the demo, the share of true viewpoints whose nearest
atlas spot (within 150 m) names the viewpoint's subject among its top 5, and
the share of atlas spots with a subject; on the real city, the top subjects
of the atlas spots nearest a few known places (``ATLAS_PLACES``).

``--peer tagmaps`` also runs the peer tool TagMaps (in its own virtual
environment, see ``peer_tagmaps.py``) on the same Dresden photos, at its
default cut and at 250 m, and scores its clusters of each tag with the same
measures, in TagMaps' own order (largest first).

Run ``python benchmarks/bench_quality.py`` (60,000 photos, and Dresden when
the sample is there), ``--n 1000000`` for the large demo, ``--quick`` for a
20,000-photo smoke run, ``--folder`` to score demo tables already built, or
``--no-demo`` / ``--no-real`` to skip one.
"""
import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from snapassist import config
from snapassist.search import FlickrPhotosDatabase
from snapassist.demo import build_demo_tables
from snapassist.demo.labelled import evaluate_city
from snapassist.demo.quality import TARGETS, evaluate, evaluate_atlas, meets, summary
from snapassist.geo import haversine_m
from snapassist.precompute._atlas import atlas_of_folder
from snapassist.spots import trim_cluster

HERE = Path(__file__).resolve().parent
LABELS = HERE / "quality" / "dresden_viewpoints.json"
DRESDEN = HERE.parent.parent / "shared" / "data" / "dresden" / "flickr_dresden_cc-by-licenses.csv"
#: Known places of the real city whose nearest atlas spots ``--atlas`` shows.
ATLAS_PLACES = (("the Frauenkirche, Neumarkt", 51.0518, 13.7414),
                ("the Zwinger", 51.0530, 13.7340),
                ("the Neustadt bank, Königsufer", 51.0570, 13.7440),
                ("the Neustadt bank, Canaletto view", 51.0600, 13.7340))
#: How far from a known place its nearest atlas spot may be.
ATLAS_PLACE_RADIUS_M = 300.0
PEER_CUTS = ((None, "TagMaps, default cut"), (250.0, "TagMaps, 250 m cut"))


def _fmt(x, digits=2):
    return "   -" if math.isnan(x) else f"{x:.{digits}f}"


def print_table(rows, totals, out=sys.stdout):
    head = (f"{'subject':<18} {'phrase':<22} {'photos':>6} {'true':>4} {'found':>5} "
            f"{'spots':>5} {'real':>4}  recall  prec  dup  compl  pure  spread  rare top3")
    print(head, file=out)
    for row in rows + [totals]:
        s = summary(row)
        rare = f"{row['n_rare_top']}/{row['n_rare']}" if row["n_rare"] else "-"
        print(f"{row['subject'][:18]:<18} {row['phrase'][:22]:<22} {row['n_photos']:>6} "
              f"{row['n_true']:>4} {row['n_found']:>5} {row['n_spots']:>5} {row['n_real']:>4}  "
              f"{_fmt(s['recall']):>6} {_fmt(s['precision']):>5} {_fmt(s['duplication']):>4} "
              f"{_fmt(s['completeness']):>6} {_fmt(s['purity']):>5} {_fmt(s['spread_m'], 0):>6}  "
              f"{rare:>9}", file=out)
    print(f"rare admired in the top 3: {_rare(totals)}", file=out)
    checks = meets(totals)
    print("targets: " + ", ".join(f"{k} {op} {v:g}: {'met' if checks[k] else 'MISSED'}"
                                  for k, (op, v) in TARGETS.items()), file=out)


def report(label, rows, totals, seconds):
    print(f"\n== {label}: {len(rows)} subjects scored in {seconds:.1f} s")
    print_table(rows, totals)
    for row in rows:
        if row.get("rare_names"):
            print(f"   rare admired for {row['phrase']!r}: {'; '.join(row['rare_names'])}")
    return {"label": label, "seconds": seconds, "summary": summary(totals), "totals": totals,
            "subjects": [{**r, **summary(r)} for r in rows]}


def score_demo(folder, label):
    start = time.perf_counter()
    rows, totals = evaluate(folder)
    return report(label, rows, totals, time.perf_counter() - start)


def import_city(csv_path, folder, city):
    """The real photos imported with the command a user runs."""
    command = [sys.executable, "-m", "snapassist", "import", "--format", "lbsn", "-q",
               str(csv_path), str(folder), "--city", city]
    subprocess.run(command, check=True)
    return folder


def score_real(folder, labels, label, find=None):
    """The real city scored as the demo is, and two variants of the measure in one line each."""
    start = time.perf_counter()
    rows, totals = evaluate_city(folder, labels, find=find)
    run = report(label, rows, totals, time.perf_counter() - start)
    # How much hangs on the labels: only viewpoints labelled with the subject
    # are true (stricter), and a viewpoint found within a spot's width.
    for name, options in (("by subject", {"by_subject": True}),
                          ("within 250 m", {"radius_m": 250.0})):
        totals = evaluate_city(folder, labels, find=find, **options)[1]
        run[f"summary {name}"] = s = summary(totals)
        print(f"   measured {name}: recall {_fmt(s['recall'])}, precision "
              f"{_fmt(s['precision'])}, rare top 3 {_rare(totals)}")
    return run


def _rare(totals):
    return (f"{totals['n_rare_top']}/{totals['n_rare']} (of {totals['n_rare_possible']} "
            f"that can be)")


def peer_find(clusters):
    """A stand-in for ``find_spots`` that answers with a peer tool's clusters."""
    def find(photos, views_threshold, query=""):
        row_of = {pid: i for i, pid in enumerate(photos["id"].astype(str))}
        lat = photos["latitude"].to_numpy(dtype=np.float64)
        lon = photos["longitude"].to_numpy(dtype=np.float64)
        spots = []
        for cluster in clusters.get(query, []):
            rows = np.array([row_of[g] for g in cluster["photo_guids"] if g in row_of],
                            dtype=np.intp)
            spread = trim_cluster(lat[rows], lon[rows])[1] if len(rows) else float("nan")
            spots.append(SimpleNamespace(
                rank=int(cluster["rank"]), latitude=float(cluster["latitude"]),
                longitude=float(cluster["longitude"]), spread_m=spread,
                photo_ids=[photos["id"].iloc[i] for i in rows]))
        return SimpleNamespace(spots=spots)
    return find


def photographers_line(name, owners):
    """Photos per photographer: median and mean, and the busiest 1%'s share."""
    from snapassist.demo import photographer_figures

    f = photographer_figures(owners)
    print(f"   {name:<24} {f['photos']:>9,} photos {f['photographers']:>7,} photographers  "
          f"median {f['median']:>5.1f}  mean {f['mean']:>6.1f}  busiest 1% took "
          f"{f['top1_share']:.0%}")
    return f


def atlas_demo(folder):
    """Print and return the demo atlas's scores (``evaluate_atlas``)."""
    t0 = time.perf_counter()
    scores = evaluate_atlas(folder)
    seconds = time.perf_counter() - t0
    scores.pop("atlas")
    print(f"\n== atlas of the demo ({seconds:.0f} s)")
    print(f"   true viewpoints named by their nearest atlas spot: {scores['n_named']} of "
          f"{scores['n_true']} = {_fmt(scores['named_share'])} (target 0.80); a spot within "
          f"150 m for {scores['n_found']}")
    print(f"   atlas spots with a subject: {scores['n_with_subjects']} of {scores['n_spots']} = "
          f"{_fmt(scores['n_with_subjects'] / max(1, scores['n_spots']))}")
    for miss in scores["misses"]:
        print(f"   missed  {miss}")
    return scores


def atlas_real(folder, city):
    """Print and return the top subjects of the atlas spots nearest ``ATLAS_PLACES``."""
    t0 = time.perf_counter()
    atlas = atlas_of_folder(folder).to_result("")
    seconds = time.perf_counter() - t0
    lat = np.array([s.latitude for s in atlas.spots])
    lon = np.array([s.longitude for s in atlas.spots])
    n_with = sum(bool(s.subjects) for s in atlas.spots)
    print(f"\n== atlas of {city} ({seconds:.0f} s): {len(atlas.spots)} spots, "
          f"{n_with} with a subject")
    out = {"n_spots": len(atlas.spots), "n_with_subjects": n_with, "places": []}
    for name, plat, plon in ATLAS_PLACES:
        dist = haversine_m(plat, plon, lat, lon) if len(lat) else np.array([np.inf])
        i = int(np.argmin(dist))
        if dist[i] > ATLAS_PLACE_RADIUS_M:
            print(f"   {name}: no atlas spot within {ATLAS_PLACE_RADIUS_M:.0f} m")
            out["places"].append({"place": name, "spot": None})
            continue
        spot = atlas.spots[i]
        labels = [s["label"] for s in spot.subjects[:5]]
        print(f"   {name}: spot #{spot.rank}, {dist[i]:.0f} m away, {spot.n_photos} photos by "
              f"{spot.n_owners} photographers; subjects: {', '.join(labels) or 'none'}")
        out["places"].append({"place": name, "spot": spot.rank, "distance_m": float(dist[i]),
                              "n_photos": spot.n_photos, "n_owners": spot.n_owners,
                              "subjects": labels})
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 20,000-photo smoke run")
    parser.add_argument("--n", type=int, default=config.DEMO_N_PHOTOS,
                        help="photos in the demo tables to build (default 60,000)")
    parser.add_argument("--folder", help="score demo tables already built here instead")
    parser.add_argument("--no-demo", action="store_true", help="score no demo")
    parser.add_argument("--real", default=str(DRESDEN),
                        help="LBSN CSV of a real city (default: the Dresden sample)")
    parser.add_argument("--real-folder", help="that city's tables, already imported")
    parser.add_argument("--labels", default=str(LABELS),
                        help="its labelled viewpoints (default: Dresden's)")
    parser.add_argument("--city", default="Dresden", help="the real city's name")
    parser.add_argument("--no-real", action="store_true", help="score no real city")
    parser.add_argument("--peer", choices=["tagmaps"],
                        help="also score a peer tool's clusters on the real city")
    parser.add_argument("--atlas", action="store_true",
                        help="also score the city's atlas: on the demo against its truth, "
                             "on the real city at a few known places")
    parser.add_argument("--json", help="also write the rows and totals to this JSON file")
    args = parser.parse_args(argv)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        demo_folder = None
        if not args.no_demo:
            if args.folder:
                demo_folder = args.folder
                out["demo"] = score_demo(demo_folder, f"demo tables in {args.folder}")
            else:
                n = 20_000 if args.quick else args.n
                demo_folder = build_demo_tables(Path(tmp) / "demo", n_photos=n,
                                                seed=config.DEMO_SEED)
                out["demo"] = score_demo(demo_folder, f"demo, {n:,} photos, "
                                                      f"seed {config.DEMO_SEED}")
            if args.atlas:
                out["demo_atlas"] = atlas_demo(demo_folder)
        real_folder = None
        if not args.no_real:
            if args.real_folder:
                real_folder = args.real_folder
            elif Path(args.real).is_file():
                real_folder = import_city(args.real, Path(tmp) / "real", args.city)
            else:
                print(f"\n(no real city: {args.real} not found; --real names one)")
        if real_folder:
            out["real"] = score_real(real_folder, args.labels,
                                     f"{args.city}, real photos, SnapAssist")
            if args.atlas:
                out["real_atlas"] = atlas_real(real_folder, args.city)
            if args.peer == "tagmaps":
                sys.path.insert(0, str(HERE))
                from peer_tagmaps import peer_clusters

                phrases = [row["phrase"] for row in out["real"]["subjects"]]
                for cut, label in PEER_CUTS:
                    clusters = peer_clusters(args.real, phrases, cut_m=cut)
                    out[label] = score_real(real_folder, args.labels, f"{args.city}, {label}",
                                            find=peer_find(clusters))
        print("\n== photographers, demo beside real")
        if demo_folder:
            out["demo_photographers"] = photographers_line(
                "demo", FlickrPhotosDatabase.from_folder(demo_folder).photos["owner"])
        if real_folder:
            out["real_photographers"] = photographers_line(
                args.city, FlickrPhotosDatabase.from_folder(real_folder).photos["owner"])
        if len(out) > 1:
            print("\n== side by side")
            for key, run in out.items():
                if "summary" in run:
                    s = run["summary"]
                    print(f"   {run['label'][:44]:<44} recall {_fmt(s['recall'])}  precision "
                          f"{_fmt(s['precision'])}  dup {_fmt(s['duplication'])}  rare top 3 "
                          f"{_rare(run['totals'])}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, default=float), encoding="utf-8")
        print(f"written {args.json}")


if __name__ == "__main__":
    main()
