"""``python -m agora import PATH --layer LAYER``: validate a file and save it into the workspace."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING

from ..layers import get_layer
from ..loaders import as_coverage
from ..loaders.chunks import CHUNKED, LoadStream
from ..loaders.report import LoadError, LoadReport, LoadResult
from ..loaders.values import reuse_value_map
from ..service import DataService
from ..store.workspace import Dataset
from .common import add_layer_argument, add_map_argument, column_options, guarded, print_json, print_report
from .validate import add_layer_name_argument, load_with_options

if TYPE_CHECKING:  # imported when centres are found (it needs SciPy, which an import does not otherwise load)
    from ..loaders.centres_found import FoundCentres


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="validate a file and save it into the workspace as a layer")
    p.add_argument("path", help="the file to import")
    add_layer_argument(p)
    add_map_argument(p)
    add_layer_name_argument(p)
    p.add_argument("--workspace", help="workspace folder (default: $AGORA_WORKSPACE or ./workspace)")
    p.add_argument("--replace", action="store_true", help="replace the layer's existing datasets (demo included)")
    p.add_argument("--source", help="where the data came from, shown in the app (default: the file name)")
    p.add_argument("--new-centre", metavar="NAME",
                   help="draw a centre called NAME around the rows that fall in no centre, and save it too")
    p.add_argument("--find-centres", action="store_true",
                   help="find the centres in a units file (dense clusters of units; see 'centres find'), save them, "
                        "then save the units assigned to them")
    p.add_argument("--update", action="store_true",
                   help="units: the file updates the units it covers (the others keep their last known state)")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(func=run)


@guarded
def run(args: argparse.Namespace) -> int:
    """Load, save and report."""
    if args.find_centres and args.new_centre:
        raise LoadError("--find-centres and --new-centre: choose one")
    svc = DataService(args.workspace, read_only=False)
    clock = Progress()
    clock.say(f"reading {args.path}")
    if get_layer(args.layer).name in CHUNKED and not (args.find_centres or args.new_centre):
        stream = svc.load_stream(args.path, args.layer, layer_name=args.layer_name, progress=clock,
                                 **column_options(args))
        head = stream.head()
        if stream.whole is None:
            return save_stream(svc, args, stream, head, clock)
        result = head  # loaded whole: saved as below
    else:
        result = load_with_options(args, svc)
    clock.say(f"{result.report.rows_kept:,} rows kept of {result.report.rows_read:,}")
    if not args.value:
        result = reuse_saved_values(svc, args, result)
    if args.update:
        result = as_coverage(result, "update")
    found = None
    if args.find_centres:
        if result.report.layer != "units":
            raise LoadError(f"{result.report.file}: --find-centres needs --layer units")
        found, result = save_found_centres(svc, result)
    if args.new_centre:
        result = svc.workspace.draw_centre(result, args.new_centre)
    clock.say("saving")
    dataset = svc.save(result, source=args.source, replace=args.replace, progress=clock)
    clock.say("saved")
    return tell(args, svc, result.report, dataset, found)


def save_stream(svc: DataService, args: argparse.Namespace, stream: LoadStream, head: LoadResult,
                clock: Progress) -> int:
    """Load and save a large units or footfall counts file chunk by chunk, then report (:mod:`agora.loaders.chunks`)."""
    if args.update and stream.spec.name != "units":
        raise LoadError(f"{stream.name}: only units are saved as a survey or an update")
    if not args.value:
        reused = saved_values(svc, head)  # judged from the first chunk's values
        if reused:
            options = {**column_options(args), "value_map": reused}
            stream = svc.load_stream(args.path, args.layer, layer_name=args.layer_name, progress=clock, **options)
            stream.notes.append(reused_note(reused))
    if args.update:
        stream.coverage = "update"
    clock.say(f"loading and saving in chunks of {stream.chunk_rows:,} rows")
    dataset = svc.save(stream, source=args.source, replace=args.replace, progress=clock)
    clock.say("saved")
    return tell(args, svc, stream.report, dataset, None)


def tell(args: argparse.Namespace, svc: DataService, report: LoadReport, dataset: Dataset,
         found: FoundCentres | None) -> int:
    """Print the report of a saved import."""
    if args.json:
        out = {**report.to_dict(), "dataset": dataset.dataset_id, "workspace": str(svc.path)}
        if found is not None:
            out["centres_found"] = found.summary()
        print_json(out)
    else:
        print_report(report)
        if found is not None:
            print(f"centres found and saved: {len(found.centres)}")
        print(f"saved as {dataset.dataset_id} in {svc.path}")
    return 0


class Progress:
    """Progress lines on standard error: elapsed seconds, the share done and what is happening.

    Called as ``progress(done, message)`` by the loaders and the data service.
    """

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def say(self, what: str) -> None:
        print(f"[{time.perf_counter() - self.start:6.1f} s] {what}", file=sys.stderr, flush=True)

    def __call__(self, done: float, what: str) -> None:
        self.say(f"{done:4.0%} {what}")


def save_found_centres(svc: DataService, result: LoadResult) -> tuple[FoundCentres, LoadResult]:
    """Find centres among the units of `result` that are in no saved centre, save them, and
    return them with `result` assigned to them (save it next)."""
    from ..loaders.centres_found import assign_found, centres_result, find_centres

    outside = result.data[result.data["centre_id"].isna()]
    if outside.empty:
        raise LoadError(f"{result.report.file}: every unit is in a saved centre already; there are no centres to find")
    taken = set(svc.centres()["centre_id"].dropna())
    found = find_centres(outside, taken=taken)
    # the derived tables are built once, when the units are saved next
    svc.workspace.save(centres_result(found, result.report.file), source=f"centres found in {result.report.file}")
    return found, assign_found(result, found)


def saved_values(ws: DataService, result: LoadResult) -> dict[str, dict[str, str]]:
    """The value map saved with an earlier dataset of the same columns, when there is one and it changes
    something in `result` (empty otherwise)."""
    columns = [c for c in result.report.columns if result.report.columns[c] != "geometry"]
    reused = reuse_value_map([d.report for d in ws.datasets(result.report.layer)], columns)
    feeds = {col: target for col, target in result.report.columns.items()}
    applied = {feeds.get(col, col): pairs for col, pairs in reused.items()}
    if not reused or all(result.report.value_map.get(c, {}).items() >= p.items() for c, p in applied.items()):
        return {}
    return reused


def reused_note(reused: dict[str, dict[str, str]]) -> str:
    return ("values mapped as for an earlier file with the same columns: "
            + "; ".join(f"{col}: " + ", ".join(f"{k}={v}" for k, v in pairs.items()) for col, pairs in reused.items()))


def reuse_saved_values(ws: DataService, args: argparse.Namespace, result: LoadResult) -> LoadResult:
    """Load again with the value map saved with an earlier dataset of the same columns, when there is one
    and it changes something (``--value`` given on the command line wins: this is not called then)."""
    reused = saved_values(ws, result)
    if not reused:
        return result
    again = ws.load(args.path, args.layer, **{**column_options(args), "value_map": reused, "layer_name": args.layer_name})
    again.report.notes.append(reused_note(reused))
    return again
