"""Benchmark: a crowd of browsers on one app server.

Starts the app (``python -m agora.ui.server``, as ``./run.sh`` does) on the demo towns in
a fresh temporary workspace, warms it with one visit, then for each crowd size opens that many browser
sessions at once (Playwright contexts in one Debian Chromium), each opening the
Overview (timed until the map's data layer is drawn) and then the Compare page from the
menu, as a visitor does (timed until its table is shown; ``--reload`` opens it by its
address instead, loading Streamlit's front end again). Prints, per crowd size:

- server CPU seconds per page view (user + system time of the server process, from
  ``/proc``, over the crowd's page views);
- page time median and 95th percentile, for each page;
- server memory (RSS) before the crowd, at its peak, and a minute after the sessions close;
- errors (timeouts, pages showing an exception);
- browser CPU seconds per page view: user + system time of the benchmark's Chromium
  processes (and the renderers they reaped) over the crowd, harness included (each
  session is a new browser context, which also loads Chromium's own UI pages);
- the load average before the crowd (the machine is shared: compare runs one after the other).

Run::

    python bench/bench_load.py [--sessions 10 25 50] [--idle 60] [--public] [--workspace DIR --town ID]

``--public`` starts the server with the settings of the public copy (the ``STREAMLIT_*``
and ``MALLOC_*`` lines of ``deploy/agora.env``): the file watcher off, which otherwise
re-scans every loaded module after each page run, closed sessions dropped after 45 s
instead of 120 s, and fewer memory arenas. ``--proxy`` (with ``--public``) puts Debian's
nginx with ``deploy/``'s configuration in front of the server, as the public copy is
served: Streamlit's own JavaScript, fonts and Leaflet then come from nginx's cache after
the first browser asked for them. The crowd comes from one address, so nginx's
per-address request limits are left out; nginx's own CPU time is printed beside the
server's.

Targets (issue 8): server CPU per page view at most 0.2 s on the demo; memory back
within 10 % of the starting level a minute after the sessions close; 50 sessions
without an error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from urllib.parse import quote
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
TIMEOUT_MS = 300_000
TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


# --------------------------------------------------------------------------- the server


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` (and its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int) -> float:
    """Resident memory of process `pid` in MB."""
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE / 1e6


class PeakRss(threading.Thread):
    """Sample a process's RSS every `interval` seconds; `.peak` is the highest seen."""

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, rss_mb(pid)
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            self.peak = max(self.peak, rss_mb(self.pid))

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        return self.peak


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def deploy_settings() -> dict[str, str]:
    """The server settings of the public copy: the ``STREAMLIT_*`` and ``MALLOC_*`` lines of ``deploy/agora.env``."""
    lines = (PROJECT / "deploy" / "agora.env").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if line.startswith(("STREAMLIT_", "MALLOC_")) and "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def start_server(workspace: Path, log: Path, settings: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "AGORA_WORKSPACE": str(workspace), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
           **(settings or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "agora.ui.server", "--server.headless", "true",
         "--server.port", str(port)],
        cwd=PROJECT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    url = f"http://localhost:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"the app did not start:\n{log.read_text()[-2000:]}")


# --------------------------------------------------------------------------- one session


async def _wait_script(page) -> None:
    await page.wait_for_selector('[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]',
                                 state="attached", timeout=TIMEOUT_MS)
    await page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=TIMEOUT_MS)
    if await page.locator('[data-testid="stException"]').count():
        raise RuntimeError("the page shows an exception")


async def open_overview(page, url: str, town: str | None = None) -> float:
    """Open the Overview (of `town`, else the first); seconds until the map's data layer is drawn."""
    start = time.perf_counter()
    await page.goto(url + "/" + (f"?town={quote(town)}" if town else ""), timeout=TIMEOUT_MS)
    await _wait_script(page)
    frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
    await frame.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=TIMEOUT_MS)
    return time.perf_counter() - start


async def open_compare(page, url: str, town: str | None = None, *, reload: bool = False) -> float:
    """Open Compare from the menu, as a visitor does (`reload`: by its address, loading the app
    again); seconds until its table is shown."""
    start = time.perf_counter()
    if reload:
        await page.goto(url + "/compare", timeout=TIMEOUT_MS)
    else:
        await page.locator('a[data-testid="stPageLink-NavLink"][href$="compare"]').first.click(timeout=TIMEOUT_MS)
        await page.wait_for_url("**/compare*", timeout=TIMEOUT_MS)
    await page.get_by_role("heading", name="Compare centres").wait_for(timeout=TIMEOUT_MS)
    await _wait_script(page)
    await page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=TIMEOUT_MS)
    return time.perf_counter() - start


async def session(browser, url: str, times: dict[str, list[float]], errors: list[str], town: str | None,
                  reload: bool = False) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    # base tiles are not the server's work: answer them empty instead of waiting on the internet
    await page.route("https://*.openstreetmap.org/**", lambda route: route.fulfill(status=204))
    try:
        for name, opener in (("overview", open_overview), ("compare", functools.partial(open_compare, reload=reload))):
            try:
                times[name].append(await opener(page, url, town))
            except Exception as error:  # noqa: BLE001 - counted and reported
                errors.append(f"{name}: {type(error).__name__}: {str(error).splitlines()[0][:200]}")
    finally:
        await context.close()


async def crowd(browser, url: str, n: int, town: str | None = None,
                reload: bool = False) -> tuple[dict[str, list[float]], list[str], float]:
    times: dict[str, list[float]] = {"overview": [], "compare": []}
    errors: list[str] = []
    start = time.perf_counter()
    await asyncio.gather(*(session(browser, url, times, errors, town, reload) for _ in range(n)))
    return times, errors, time.perf_counter() - start


# --------------------------------------------------------------------------- main


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def browser_cpu_seconds() -> float:
    """CPU time of the benchmark's Chromium: every Chromium process under this one, with the children they reaped.

    User + system time of each process whose executable is Chromium, plus the time of its
    finished children (a closed session's renderer is reaped by Chromium's zygote, so its
    time stays counted). Take it before and after a crowd, with the browser running.
    """
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            children.setdefault(int(stat.read_text().rsplit(")", 1)[1].split()[1]), []).append(int(stat.parent.name))
    total, todo = 0.0, list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        with contextlib.suppress(OSError, IndexError):
            if "chrom" not in os.path.basename(os.readlink(f"/proc/{pid}/exe")):
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(f) for f in fields[11:15]) / TICKS  # utime, stime, cutime, cstime
    return total


def family_cpu_seconds(pid: int) -> float:
    """CPU time of process `pid` and its children (nginx's master and workers)."""
    pids = [pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                pids.append(int(stat.parent.name))
    total = 0.0
    for one in pids:
        with contextlib.suppress(OSError):
            total += cpu_seconds(one)
    return total


async def run(sizes: list[int], idle: float, settings: dict[str, str] | None = None, workspace: Path | None = None,
              town: str | None = None, proxy: bool = False, reload: bool = False) -> list[dict]:
    from playwright.async_api import async_playwright

    rows = []
    with tempfile.TemporaryDirectory(prefix="agora-load-") as tmp, contextlib.ExitStack() as stack:
        # an existing workspace is opened read-only (nothing written to it), as the public copy opens it
        settings = {**(settings or {}), **({"AGORA_READ_ONLY": "1"} if workspace else {})}
        proc, url = start_server(workspace or Path(tmp) / "workspace", Path(tmp) / "server.log", settings)
        nginx = None
        if proxy:
            sys.path.insert(0, str(PROJECT / "deploy"))
            import nginx_conf

            folder = Path(tmp) / "nginx"
            folder.mkdir()
            port = int(url.rsplit(":", 1)[1])
            url, nginx = stack.enter_context(nginx_conf.run_local(folder, [port], free_port(), rate_limits=False))
        try:
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                warm_times, warm_errors, _ = await crowd(browser, url, 1, town, reload)  # first visit reads and caches the data
                if warm_errors:
                    raise SystemExit(f"warm-up failed: {warm_errors}")
                for n in sizes:
                    await asyncio.sleep(5)
                    before_rss, before_cpu = rss_mb(proc.pid), cpu_seconds(proc.pid)
                    before_nginx = family_cpu_seconds(nginx.pid) if nginx else 0.0
                    before_browser, load = browser_cpu_seconds(), os.getloadavg()
                    sampler = PeakRss(proc.pid)
                    sampler.start()
                    times, errors, wall = await crowd(browser, url, n, town, reload)
                    cpu = cpu_seconds(proc.pid) - before_cpu
                    nginx_cpu = family_cpu_seconds(nginx.pid) - before_nginx if nginx else None
                    browser_cpu = browser_cpu_seconds() - before_browser
                    views = len(times["overview"]) + len(times["compare"])
                    await asyncio.sleep(idle)
                    peak = sampler.stop()
                    after = rss_mb(proc.pid)
                    row = {
                        "sessions": n, "views": views, "wall_s": wall, "cpu_per_view_s": cpu / max(views, 1),
                        "nginx_cpu_per_view_s": None if nginx_cpu is None else nginx_cpu / max(views, 1),
                        "browser_cpu_per_view_s": browser_cpu / max(views, 1), "load_before": load[0],
                        "rss_before_mb": before_rss, "rss_peak_mb": peak, "rss_after_mb": after,
                        "errors": errors,
                    }
                    for page_name, values in times.items():
                        row[f"{page_name}_median_s"] = statistics.median(values) if values else float("nan")
                        row[f"{page_name}_p95_s"] = p95(values) if values else float("nan")
                    rows.append(row)
                    print_row(row, idle)
                await browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return rows


def print_row(row: dict, idle: float) -> None:
    print(
        f"{row['sessions']:>3} sessions: {row['views']} page views in {row['wall_s']:.1f} s; "
        f"server CPU {row['cpu_per_view_s']:.3f} s per view"
        + (f" (nginx {row['nginx_cpu_per_view_s']:.3f} s)" if row.get("nginx_cpu_per_view_s") is not None else "")
        + f"; browser CPU {row['browser_cpu_per_view_s']:.1f} s per view; "
        f"Overview median {row['overview_median_s']:.1f} s, p95 {row['overview_p95_s']:.1f} s; "
        f"Compare median {row['compare_median_s']:.1f} s, p95 {row['compare_p95_s']:.1f} s; "
        f"RSS {row['rss_before_mb']:.0f} MB before, {row['rss_peak_mb']:.0f} MB peak, "
        f"{row['rss_after_mb']:.0f} MB {idle:.0f} s after "
        f"({100 * (row['rss_after_mb'] / row['rss_before_mb'] - 1):+.0f} %); errors {len(row['errors'])}; "
        f"load average {row['load_before']:.2f} before",
        flush=True,
    )
    for error in row["errors"][:5]:
        print(f"    {error}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[10, 25, 50])
    parser.add_argument("--idle", type=float, default=60, help="seconds to wait after a crowd before measuring RSS")
    parser.add_argument("--public", action="store_true",
                        help="start the server with the public copy's Streamlit settings (deploy/agora.env)")
    parser.add_argument("--proxy", action="store_true",
                        help="with --public: serve through nginx with deploy/'s configuration, as the public copy is")
    parser.add_argument("--workspace", type=Path, help="an existing workspace (opened read-only; default: the demo "
                        "towns in a new one), e.g. one bench_scale.py --keep made")
    parser.add_argument("--town", help="the centre id the Overview opens (default: the first centre)")
    parser.add_argument("--reload", action="store_true",
                        help="open Compare by its address (the app loaded again) rather than from the menu")
    args = parser.parse_args()
    if args.proxy and not args.public:
        parser.error("--proxy measures the public copy: give --public too")
    settings = deploy_settings() if args.public else {}
    print(f"{os.cpu_count()} CPU cores on this machine (shared with the browsers); server settings: "
          f"{' '.join(f'{k}={v}' for k, v in settings.items()) or 'none'}", flush=True)
    asyncio.run(run(args.sessions, args.idle, settings, args.workspace, args.town, args.proxy, args.reload))


if __name__ == "__main__":
    main()
