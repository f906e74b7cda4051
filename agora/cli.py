"""Command line: ``python -m agora COMMAND ...``.

Each command lives in its own module under :mod:`agora.commands`, which defines
``register(subparsers)`` (adding its parser, with ``func`` set to its ``run(args) -> int``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

#: Command modules under agora.commands, in the order ``--help`` lists them.
COMMANDS = ("validate", "import_", "workspace", "centres", "footfall", "vacancy", "changes", "assets", "diagnose", "compare",
            "contributions", "moderate", "moderators", "audit")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every command registered, or only `command`'s when it names one.

    Each command's module imports what it needs (pandas, geopandas, SQLAlchemy...): running one
    command imports its module alone (about 1 s less than importing them all).
    """
    parser = argparse.ArgumentParser(prog="python -m agora", description="Agora: high-street data from the command line.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    module = "import_" if command == "import" else command
    for name in (module,) if module in COMMANDS else COMMANDS:
        importlib.import_module(f"agora.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Problems with the input are reported by each command as ``error: FILE: problem``
    (status 2). Anything else is reported in one line too (status 1); set
    ``AGORA_DEBUG=1`` to see the traceback.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv[0] if argv else None).parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # output piped into head, less...: stop quietly
        sys.stderr.close()
        return 0
    except Exception as exc:
        if os.environ.get("AGORA_DEBUG"):
            raise
        print(f"error: {args.command} failed unexpectedly: {type(exc).__name__}: {exc} "
              "(set AGORA_DEBUG=1 to see where)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
