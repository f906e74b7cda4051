"""Write Agora's nginx configuration for a number of app servers.

Usage::

    python deploy/nginx_conf.py --ports 8501-8504 > /etc/nginx/conf.d/agora.conf

The template is ``deploy/nginx/agora.conf.template``; this fills in the app servers'
addresses, the address nginx listens on, the server name, the access log, the cache folder and the
upload limit (``AGORA_MAX_UPLOAD_MB``, the same variable the app reads, in MiB).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
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


@contextlib.contextmanager
def run_local(folder: Path, ports: Sequence[int], listen: int, *, rate_limits: bool = True,
              probe_cookie: str = "agora_server=" + "0" * 32) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run Debian's nginx from `folder` on 127.0.0.1:`listen` with this configuration, without root.

    For tests and benchmarks: the configuration is :func:`render`'s, unchanged apart from
    ports, log and cache paths (and, with ``rate_limits=False``, the per-address request
    limits left out, for a crowd that comes from one address). Yields the address and the
    nginx process; stops nginx on leaving.
    """
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise FileNotFoundError("nginx is not installed (Debian package `nginx`)")
    site = render(ports, listen=f"127.0.0.1:{listen}", access_log=str(folder / "access.log"),
                  cache_dir=str(folder / "cache"))
    if not rate_limits:
        site = "\n".join(line for line in site.splitlines() if not line.strip().startswith("limit_req "))
    (folder / "agora.conf").write_text(site)
    temp = "\n".join(f"{name}_temp_path {folder / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                       "scgi"))
    user = "user root;\n" if os.geteuid() == 0 else ""  # as root, workers would run as nobody
    (folder / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} warn;\n"
        "events { worker_connections 4096; }\n"
        f"http {{\n include /etc/nginx/mime.types;\n {temp}\n include {folder / 'agora.conf'};\n}}\n"
    )
    command = [nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"]
    check = subprocess.run([*command[:-2], "-t"], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx refused the configuration: {check.stderr}")
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{listen}"
    try:
        deadline = time.monotonic() + 15
        while True:
            with contextlib.suppress(OSError):
                request = urllib.request.Request(f"{url}/_stcore/health", headers={"Cookie": probe_cookie})
                with urllib.request.urlopen(request, timeout=10) as response:
                    if response.status == 200:
                        break
            if proc.poll() is not None or time.monotonic() > deadline:
                reason = proc.stderr.read() if proc.poll() is not None else "it did not answer in 15 s"
                raise RuntimeError(f"nginx did not start: {reason}")
            time.sleep(0.2)
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


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
