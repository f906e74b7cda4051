"""Write Agora's nginx configuration for a number of app servers.

Usage::

    python deploy/nginx_conf.py --ports 8501-8504 > /etc/nginx/conf.d/agora.conf

The template is ``deploy/nginx/agora.conf.template``; this fills in the app servers'
addresses, the address nginx listens on, the server name, the access log, the cache folder and the
upload limit (``AGORA_MAX_UPLOAD_MB``, the same variable the app reads, in MiB).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx" / "agora.conf.template"
DEFAULT_MAX_UPLOAD_MB = 200  # agora.loaders.read.DEFAULT_MAX_MB


def parse_ports(text: str) -> list[int]:
    """``"8501-8504"`` or ``"8501,8502"`` as a list of ports."""
    ports: list[int] = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        ports.extend(range(int(first), int(last or first) + 1))
    if not ports:
        raise ValueError("no ports given")
    return ports


def render(
    ports: Sequence[int],
    *,
    host: str = "127.0.0.1",
    listen: str = "80",
    server_name: str = "_",
    access_log: str = "/var/log/nginx/agora.access.log",
    cache_dir: str = "/var/cache/nginx/agora",
    max_upload_mb: float | None = None,
) -> str:
    """The configuration text for app servers on `host`:`ports`.

    Parameters
    ----------
    listen : nginx ``listen`` value (``"80"``, ``"127.0.0.1:8080"``).
    cache_dir : where nginx keeps its copy of the app's static files.
    max_upload_mb : upload limit in MiB; default ``AGORA_MAX_UPLOAD_MB`` or 200.
    """
    if max_upload_mb is None:
        max_upload_mb = float(os.environ.get("AGORA_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB))
    servers = "\n".join(f"    server {host}:{int(p)} max_fails=3 fail_timeout=10s;" for p in ports)
    values = {
        "UPSTREAM_SERVERS": servers,
        "LISTEN": listen,
        "SERVER_NAME": server_name,
        "ACCESS_LOG": access_log,
        "CACHE_DIR": cache_dir,
        "MAX_UPLOAD_MB": str(max(1, round(max_upload_mb))),
    }
    text = TEMPLATE.read_text()
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ports", default="8501-8504", help="app servers' ports: 8501-8504 or 8501,8502")
    parser.add_argument("--host", default="127.0.0.1", help="app servers' address")
    parser.add_argument("--listen", default="80", help="nginx listen value")
    parser.add_argument("--server-name", default="_", help="nginx server_name (your domain)")
    parser.add_argument("--access-log", default="/var/log/nginx/agora.access.log")
    args = parser.parse_args(argv)
    sys.stdout.write(render(parse_ports(args.ports), host=args.host, listen=args.listen,
                            server_name=args.server_name, access_log=args.access_log))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
