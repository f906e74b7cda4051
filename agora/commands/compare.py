"""``python -m agora compare``: every centre's indicators, towns like one, and town profiles.

Examples
--------
``python -m agora compare --json``
    The indicator table of the workspace's centres, one object per centre.
``python -m agora compare --area ../cdrc/ --similar Castlebridge --k 5 --json``
    The five centres most like Castlebridge, CDRC town centres included.
``python -m agora compare --profile wendlow --out wendlow.html``
    Write Wendlow's town profile as a standalone HTML file.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd

from ..analysis import compare
from ..analysis.indicators import DEFAULT_COMPARE, INDICATORS, indicator_table, numeric_ids, similarity_defaults
from ..loaders.area_indicators import load_cdrc_folder, load_cdrc_town_centres
from ..loaders.report import LoadError
from ..service import DataService
from .common import guarded, print_json

#: Columns the plain-text table shows.
TEXT_COLUMNS = ("units", "vacancy_rate", "vacancy_change", "share_independent", "nef2005_score", "nef2005_class",
                "shannon", "footfall_yoy")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="indicators of every centre, the centres most like one, town profiles")
    p.add_argument("--workspace", help="workspace folder (default: the app's, $AGORA_WORKSPACE or ./workspace)")
    p.add_argument("--area", action="append", default=[], metavar="PATH",
                   help="CDRC town-centre table, or a folder of them, joined for this run (repeatable); tables "
                        "saved in the workspace are always used")
    p.add_argument("--indicators", metavar="ID,ID", help="indicators to show or compare on (default: all for the "
                   "table; for --similar " + ", ".join(DEFAULT_COMPARE) + ", or for a centre known only from area "
                   "tables, its units, vacancy and shop mix)")
    p.add_argument("--similar", metavar="CENTRE", help="list the centres most like CENTRE (id or name)")
    p.add_argument("--k", type=int, default=5, help="how many similar centres (default 5)")
    p.add_argument("--weights", metavar="ID=W,ID=W", help="weights of the indicators for --similar (default 1)")
    p.add_argument("--by", choices=("indicators", "brands"), default="indicators",
                   help="--similar on standardised indicators (default) or on shared chain brands")
    p.add_argument("--include-demo", action="store_true",
                   help="compare with the demo towns too (by default they are left out while the workspace holds "
                        "other centres)")
    p.add_argument("--profile", metavar="CENTRE", help="write CENTRE's town profile as standalone HTML")
    p.add_argument("--out", metavar="FILE", help="file for --profile (default profile-<centre id>.html)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def load_layers(svc: DataService) -> dict:
    """Every layer of the workspace as the app sees it (units classified with the workspace's brand lists);
    footfall counts as the paths of their Parquet files."""
    layers = {name: svc.layer(name) for name in ("centres", "units", "footfall_sites", "assets")}
    layers["footfall_counts"] = svc.footfall_files()
    return layers


def town_layers(svc: DataService, centre_id: str) -> dict:
    """One centre's rows of every layer."""
    layers = {name: svc.town(name, centre_id) for name in ("centres", "units", "footfall_sites", "assets")}
    layers["footfall_counts"] = svc.town_counts(centre_id)
    return layers


def load_area(svc: DataService, paths: list[str]) -> pd.DataFrame | None:
    """The area tables saved in the workspace plus those named on the command line."""
    parts = []
    saved = svc.area_tables()
    if len(saved):
        parts.append(saved)
    for path in paths:
        p = Path(path)
        if not p.exists():
            raise LoadError(f"{path}: no such file or folder")
        parts.append((load_cdrc_folder(p) if p.is_dir() else load_cdrc_town_centres(p)).data)
    if not parts:
        return None
    table = pd.concat(parts, ignore_index=True)
    return table.drop_duplicates(["centre_id", "year", "level"], keep="last")


def find_centre(table: pd.DataFrame, wanted: str) -> str:
    """The id of the centre called `wanted` (an id, or a name in any case)."""
    ids = table["centre_id"].astype(str)
    if wanted in set(ids):
        return wanted
    hits = table[table["name"].astype(str).str.casefold() == wanted.casefold()]
    if len(hits) == 1:
        return str(hits["centre_id"].iloc[0])
    if len(hits) > 1:
        raise LoadError(f"{wanted!r} names {len(hits)} centres ({', '.join(hits['centre_id'].astype(str))}); "
                        "give the id")
    raise LoadError(f"no centre {wanted!r}; give an id or a name as `python -m agora compare` lists them")


def _ids(text: str | None, table: pd.DataFrame) -> list[str] | None:
    if not text:
        return None
    ids = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [i for i in ids if i not in INDICATORS]
    if unknown:
        raise LoadError(f"--indicators: unknown {', '.join(unknown)}; one of {', '.join(INDICATORS)}")
    return ids


def _weights(text: str | None) -> dict[str, float]:
    out = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            raise LoadError(f"--weights {item!r}: write ID=NUMBER") from None
        if not sep:
            raise LoadError(f"--weights {item!r}: write ID=NUMBER")
    return out


def _plain(value):
    """A JSON-ready value: NaN and <NA> become None, floats are rounded."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else None
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


def table_rows(table: pd.DataFrame, indicators: list[str] | None = None) -> list[dict]:
    """One object per centre: ``centre`` (its name), ``centre_id``, ``level``, ``size_band``, ``data_date``, then
    the indicators (None where missing)."""
    cols = [c for c in (indicators or INDICATORS) if c in table]
    rows = []
    for rec in table.to_dict("records"):
        row = {"centre": rec["name"], "centre_id": rec["centre_id"], "level": rec["level"],
               "size_band": rec["size_band"], "data_date": _plain(rec["data_date"])}
        row.update({c: _plain(rec[c]) for c in cols})
        rows.append(row)
    return rows


@guarded
def run(args: argparse.Namespace) -> int:
    """Build the indicator table and print it, a similar-centres list or a profile."""
    svc = DataService(args.workspace)
    if args.area:  # tables named here join the comparison: computed afresh
        full = indicator_table(load_layers(svc), area=load_area(svc, args.area))
    else:  # the table stored when the data was saved: the figures the app shows
        full = svc.indicators()
    if full.empty:
        raise LoadError(f"{svc.path}: no centre loaded (import centres and units, or give --area)")
    focus = [find_centre(full, c) for c in (args.profile, args.similar) if c]
    # the user's own and reference centres; the demo towns only when alone or asked for (as the app does)
    table = compare.comparison_set(full, svc.centres(), include_demo=True if args.include_demo else None,
                                   keep=focus)
    chosen = _ids(args.indicators, table)

    if args.profile:
        from ..report.profile import build_profile, to_html

        cid = find_centre(table, args.profile)
        out = Path(args.out or f"profile-{cid}.html")
        profile = build_profile(table, town_layers(svc, cid), cid, similar_on=chosen, k=args.k,
                                sources=svc.sources(), brands=(svc.brands(), svc.mix()), centres=svc.centres())
        found = profile.changes
        if found is not None and found.compared:  # the public's reports of the period, as the app's download
            from ..analysis.changes import public_reports
            from .changes import contribution_rows

            found.reports = public_reports(contribution_rows(svc, cid, found.from_date, found.to_date),
                                           found.from_date, found.to_date)
        out.write_text(to_html(profile), encoding="utf-8")
        if args.json:
            print_json({"centre": str(table.loc[table["centre_id"] == cid, "name"].iloc[0]), "centre_id": cid,
                        "file": str(out)})
        else:
            print(f"wrote {out}")
        return 0

    if args.similar:
        return _similar(args, table, svc, chosen)

    if args.json:
        print_json(table_rows(table, chosen))
        return 0
    cols = [c for c in (chosen or TEXT_COLUMNS) if c in table]
    shown = pd.DataFrame({"centre": table["name"], "id": table["centre_id"]})
    for c in cols:
        shown[INDICATORS[c].label] = table[c].map(INDICATORS[c].format)
    n_area = int((table["level"] != "workspace").sum())
    print(f"workspace: {svc.path}: {len(table):,} centres ({n_area:,} from area tables)")
    print(shown.to_string(index=False))
    return 0


def _similar(args: argparse.Namespace, table: pd.DataFrame, svc: DataService, chosen: list[str] | None) -> int:
    cid = find_centre(table, args.similar)
    name = str(table.loc[table["centre_id"] == cid, "name"].iloc[0])
    if args.by == "brands":
        near = compare.similar_by_brand_tables(svc.brands(), svc.mix(), cid, k=args.k)
        names = dict(zip(table["centre_id"], table["name"]))
        rows = [{"centre": names.get(r["centre_id"], r["centre_id"]), "centre_id": r["centre_id"],
                 "similarity": _plain(r["brand_jaccard"]), "shared_brands": int(r["shared_brands"]),
                 "brands_in_common": r["brands_in_common"]} for r in near.to_dict("records")]
        if args.json:
            print_json(rows)
        else:
            print(f"centres most like {name} by chain brands (Jaccard):")
            for r in rows:
                print(f"  {r['centre']:30} {r['similarity']:.3f}  {r['shared_brands']} shared")
        return 0
    row = table[table["centre_id"] == cid].iloc[0]
    have = [i for i in numeric_ids(table) if pd.notna(row[i])]
    on = chosen or similarity_defaults(have) or have
    weights = _weights(args.weights)
    unknown = [k for k in weights if k not in on]
    if unknown:
        raise LoadError(f"--weights: {', '.join(unknown)} not among the indicators compared ({', '.join(on)})")
    near = compare.similar_centres(table, cid, on, weights, k=args.k, labels={i: INDICATORS[i].label for i in on})
    rows = [{"centre": r["name"], "centre_id": r["centre_id"], "distance": round(float(r["distance"]), 4),
             "shared": int(r["shared"]), "why": r["why"]} for r in near.to_dict("records")]
    if args.json:
        print_json(rows)
        return 0
    print(f"centres most like {name} on " + ", ".join(f"{INDICATORS[i].label} (x{weights.get(i, 1):g})" for i in on)
          + " (distance in standard deviations):")
    if not rows:
        print(f"  none: no other centre shares at least {compare.default_min_shared(len(on))} of these indicators")
    for r in rows:
        print(f"  {r['centre']:30} {r['distance']:.3f}  {r['why']}")
    return 0
