"""The public copy as deployed: Debian's nginx with deploy/'s configuration in front of two app servers.

nginx runs from a temporary folder on free ports (no root needed); the configuration is
the one ``deploy/nginx_conf.py`` writes, unchanged apart from ports and log path.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import _free_port, _unavailable, run_app
from .helpers import PROJECT, map_features, open_app, screenshot

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
KEYS = [f"{i:02x}" * 16 for i in range(0, 256, 29)]  # fixed, valid sticky-cookie values

sys.path.insert(0, str(PROJECT / "deploy"))
import nginx_conf  # noqa: E402


def _get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@contextlib.contextmanager
def run_nginx(folder: Path, ports: list[int]):
    """Start nginx with deploy/'s configuration for app servers on `ports`; yield (url, access log)."""
    with contextlib.ExitStack() as stack:
        try:
            url, _ = stack.enter_context(nginx_conf.run_local(folder, ports, _free_port(),
                                                              probe_cookie=f"agora_server={KEYS[0]}"))
        except FileNotFoundError as missing:
            _unavailable(str(missing))
        except RuntimeError as failed:
            pytest.fail(str(failed))
        yield url, folder / "access.log"


@pytest.fixture(scope="module")
def proxy(browser, app_workspace, tmp_path_factory):
    """nginx on a free port in front of two fresh app servers; yields (url, access log, app ports)."""
    logs = tmp_path_factory.mktemp("proxy-logs")
    with run_app(app_workspace, logs) as first, run_app(app_workspace, logs) as second:
        ports = [int(first.rsplit(":", 1)[1]), int(second.rsplit(":", 1)[1])]
        with run_nginx(tmp_path_factory.mktemp("nginx"), ports) as (url, log):
            yield url, log, ports


def _log_lines(log: Path) -> list[str]:
    for _ in range(20):  # nginx writes the line when the request ends
        if log.exists() and log.stat().st_size:
            break
        time.sleep(0.1)
    return log.read_text().splitlines()


def test_security_headers_compression_and_a_sticky_cookie(proxy):
    url, _, _ = proxy
    status, headers, _ = _get(url + "/")
    assert status == 200
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in csp and "object-src 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert re.match(r"agora_server=[0-9a-f]{32}; Path=/", headers["Set-Cookie"])
    # a browser that has the cookie is not given another
    status, headers, _ = _get(url + "/", {"Cookie": f"agora_server={KEYS[1]}"})
    assert status == 200 and "Set-Cookie" not in headers
    # Streamlit's JavaScript bundle comes compressed
    script = re.search(rb'src="\.?/?(static/js/[^"]+\.js)"', _get(url + "/")[2])
    assert script, "no script in Streamlit's index.html"
    status, headers, _ = _get(f"{url}/{script.group(1).decode()}", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("Content-Encoding") == "gzip"
    assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]


def test_static_files_come_from_nginx_cache_the_second_time(proxy):
    url, log, _ = proxy
    path = "/app/static/vendor/leaflet-1.9.4/leaflet.js"
    for _ in range(2):
        status, headers, body = _get(url + path)
        assert status == 200 and body.startswith(b"/*")
        assert headers["X-Content-Type-Options"] == "nosniff"
    time.sleep(0.3)
    states = [re.search(r"cache=(\S+)", line).group(1) for line in _log_lines(log) if f"GET {path} " in line]
    assert states[-2:] == ["MISS", "HIT"], states


def test_each_browser_stays_on_one_app_server_and_both_are_used(proxy):
    url, log, ports = proxy
    start = len(_log_lines(log)) if log.exists() else 0
    for key in KEYS:
        for _ in range(3):
            assert _get(f"{url}/_stcore/health", {"Cookie": f"agora_server={key}"})[0] == 200
        time.sleep(0.25)  # stay under the rate limit
    upstream = {}
    for line in _log_lines(log)[start:]:
        found = re.search(r"upstream=(\S+) key=(\S+)", line)
        if found and "/_stcore/health" in line:
            upstream.setdefault(found.group(2), set()).add(found.group(1))
    assert set(upstream) == set(KEYS)
    assert all(len(addresses) == 1 for addresses in upstream.values()), upstream
    assert {a for addresses in upstream.values() for a in addresses} == {f"127.0.0.1:{p}" for p in ports}


def test_overview_through_the_proxy(proxy, page, shots):
    url, log, _ = proxy
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    open_app(page, url, "/")
    assert map_features(page, 0) > 0
    screenshot(page, shots, "proxy-overview")
    assert any(s.endswith("/_stcore/stream") and s.startswith(url.replace("http", "ws")) for s in sockets), sockets
    assert not blocked, blocked
    assert not page.errors, page.errors
    # nginx logs the websocket when it closes: upgraded (101), on the same server as the page
    page.close()
    for _ in range(50):
        lines = _log_lines(log)
        upgraded = [line for line in lines if "GET /_stcore/stream" in line and '" 101 ' in line]
        if upgraded:
            break
        time.sleep(0.1)
    assert upgraded, lines[-5:]
    key = re.search(r"key=(\S+)", upgraded[-1]).group(1)
    servers = {re.search(r"upstream=(\S+)", line).group(1) for line in lines if f"key={key}" in line}
    assert len(servers - {"-"}) == 1, servers  # "-": a static file nginx had kept


def test_rate_limit_answers_429_beyond_the_burst(proxy):
    url, _, _ = proxy
    time.sleep(2)  # let the bucket refill after the other tests
    statuses = [_get(f"{url}/_stcore/health", {"Cookie": f"agora_server={KEYS[0]}"})[0] for _ in range(80)]
    assert statuses[:30] == [200] * 30, statuses
    assert 429 in statuses, statuses
