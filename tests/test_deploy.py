"""deploy/: nginx's configuration is written for the app's settings."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agora.loaders import read

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
sys.path.insert(0, str(DEPLOY))
import nginx_conf  # noqa: E402


def test_upload_limit_is_the_apps(monkeypatch):
    monkeypatch.delenv("AGORA_MAX_UPLOAD_MB", raising=False)
    assert nginx_conf.DEFAULT_MAX_UPLOAD_MB == read.DEFAULT_MAX_MB
    assert f"client_max_body_size {read.DEFAULT_MAX_MB}m;" in nginx_conf.render([8501])
    monkeypatch.setenv("AGORA_MAX_UPLOAD_MB", "50")
    assert read.max_bytes() == 50 * 1024 * 1024  # nginx's m is MiB too
    assert "client_max_body_size 50m;" in nginx_conf.render([8501])


def test_every_app_server_is_upstream_and_nothing_left_unfilled():
    text = nginx_conf.render(nginx_conf.parse_ports("8501-8503,8510"), listen="8080", server_name="agora.example")
    assert re.findall(r"server 127\.0\.0\.1:(\d+)", text) == ["8501", "8502", "8503", "8510"]
    assert "listen 8080;" in text and "server_name agora.example;" in text
    assert "@@" not in text


def test_the_service_template_takes_the_port_as_instance():
    unit = (DEPLOY / "agora@.service").read_text()
    assert "--server.port %i" in unit
    assert "EnvironmentFile=/etc/agora/agora.env" in unit
    assert "AGORA_READ_ONLY=1" in (DEPLOY / "agora.env").read_text()


def test_nginx_accepts_the_configuration(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("nginx is not installed (the proxy browser test fails without it under CI)")
    (tmp_path / "agora.conf").write_text(nginx_conf.render([8501, 8502], listen="127.0.0.1:18080",
                                                           access_log=str(tmp_path / "access.log"),
                                                           cache_dir=str(tmp_path / "cache")))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\nevents {{}}\n"
        f"http {{ include /etc/nginx/mime.types; include {tmp_path / 'agora.conf'}; }}\n")
    check = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
