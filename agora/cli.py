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


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser with every command registered.

    Given the arguments (`argv`) and a command name first among them, only that command's
    module is imported and registered: a command does not pay for importing every other
    (``--help`` and anything else still get them all).
    """
    parser = argparse.ArgumentParser(prog="python -m agora", description="Agora: high-street data from the command line.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    first = argv[0] if argv else None
    names = [m for m in COMMANDS if m.rstrip("_") == first] or COMMANDS
    for name in names:
        importlib.import_module(f"agora.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Problems with the input are reported by each command as ``error: FILE: problem``
    (status 2). Anything else is reported in one line too (status 1); set
    ``AGORA_DEBUG=1`` to see the traceback.
    """
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
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
