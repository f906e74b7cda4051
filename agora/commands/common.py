"""What every command shares: printing reports and errors the same way."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable

from ..layers import CLI_NAMES
from ..loaders.report import LoadError, LoadReport
from ..loaders.values import parse_value_options


def add_layer_argument(parser: argparse.ArgumentParser) -> None:
    """``--layer`` with the command-line layer names."""
    parser.add_argument("--layer", required=True, choices=sorted(CLI_NAMES), help="which canonical layer the file is")


def add_map_argument(parser: argparse.ArgumentParser) -> None:
    """``--map COLUMN=TARGET`` (repeatable) and ``--set COLUMN=VALUE`` for columns the aliases miss."""
    parser.add_argument("--map", action="append", default=[], metavar="COLUMN=TARGET",
                        help="map an input column to a canonical column or lat/lon/easting/northing/wkt")
    parser.add_argument("--set", action="append", default=[], metavar="COLUMN=VALUE",
                        help="value for a canonical column where the file has none (e.g. category=library)")
    parser.add_argument("--value", action="append", default=[], metavar="COLUMN:FROM=TO",
                        help="map a value of a status, ownership, direction or acv_status column to an accepted "
                             "one (e.g. status:False=vacant)")
    parser.add_argument("--postcodes", metavar="FILE",
                        help="postcode lookup (postcode, lat, lon) placing rows that have a postcode but no coordinates")


def add_centres_map_argument(parser: argparse.ArgumentParser) -> None:
    """``--centres-map`` and ``--centres-value``: ``--map``/``--value`` for the ``--centres`` file."""
    parser.add_argument("--centres-map", action="append", default=[], metavar="COLUMN=TARGET",
                        help="map a column of the --centres file to a canonical centres column")
    parser.add_argument("--centres-value", action="append", default=[], metavar="COLUMN:FROM=TO",
                        help="map a value of the --centres file (like --value)")


def centres_options(args: argparse.Namespace) -> dict:
    """The ``--centres-map`` and ``--centres-value`` options as loader options."""
    return {"column_map": pairs(args.centres_map, "--centres-map"),
            "value_map": parse_value_options(args.centres_value, "--centres-value")}


def load_centres_option(args: argparse.Namespace):
    """The ``--centres`` file loaded with its own map, or None."""
    from ..loaders import load_centres

    return load_centres(args.centres, **centres_options(args)).data if args.centres else None


def pairs(items: list[str], flag: str) -> dict[str, str]:
    """Parse ``A=B`` items; raises LoadError on a malformed one."""
    out = {}
    for item in items:
        if "=" not in item:
            raise LoadError(f"{flag} {item!r}: write COLUMN=VALUE")
        key, value = item.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def column_options(args: argparse.Namespace) -> dict:
    """The ``--map``, ``--set``, ``--value`` and ``--postcodes`` options as the loaders' ``column_map``,
    ``defaults``, ``value_map`` and ``postcodes``."""
    out = {"column_map": pairs(args.map, "--map"), "defaults": pairs(args.set, "--set"),
           "value_map": parse_value_options(getattr(args, "value", []) or [])}
    if getattr(args, "postcodes", None):
        out["postcodes"] = args.postcodes
    return out


def print_json(value: Any) -> None:
    """Print `value` as JSON (dates and other objects as text).

    The text is made whole and written once: ``json.dump`` writes each of its many pieces,
    one system call each when output is unbuffered (``PYTHONUNBUFFERED``).
    """
    sys.stdout.write(json.dumps(value, indent=2, default=str, ensure_ascii=False) + "\n")


def print_report(report: LoadReport, *, limit: int = 20) -> None:
    """Print a validation report for people."""
    print(report.summary())
    mapped = {k: v for k, v in report.columns.items() if v != "kept"}
    if mapped:
        print("columns: " + ", ".join(f"{k} -> {v}" for k, v in mapped.items()))
    for note in report.notes:
        print(f"note: {note}")
    for item in report.to_dict()["rejected"][:limit]:
        print(f"rejected row {item['row']}: {item['reason']}")
    if report.rows_rejected > limit:
        print(f"... and {report.rows_rejected - limit} more rejected rows (use --json for all)")


def guarded(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn a LoadError (or a missing file) into one clear line on stderr and exit status 2."""

    def wrapper(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except (LoadError, FileNotFoundError, KeyError) as exc:
            message = exc.args[0] if exc.args else str(exc)
            print(f"error: {message}", file=sys.stderr)
            return 2

    wrapper.__doc__ = run.__doc__
    return wrapper
