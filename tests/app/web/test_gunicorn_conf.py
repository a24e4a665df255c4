"""gunicorn's settings file: the bind address the infra stack relies on, and no typos."""

from __future__ import annotations

import runpy
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from gunicorn.config import Config  # type: ignore[import-untyped]  # gunicorn ships no types
from gunicorn.workers.ggevent import GeventWorker  # type: ignore[import-untyped]

EVERY_INTERFACE = "0.0.0.0"  # noqa: S104 - what the container must bind
CONF = Path(__file__).resolve().parents[3] / "app" / "web" / "gunicorn_conf.py"


def load_settings(monkeypatch: pytest.MonkeyPatch, port: str | None) -> dict[str, Any]:
    if port is None:
        monkeypatch.delenv("PORT", raising=False)
    else:
        monkeypatch.setenv("PORT", port)
    namespace = runpy.run_path(str(CONF))
    # Settings are the file's public lowercase values; skip imports, helpers, constants.
    return {
        name: value
        for name, value in namespace.items()
        if name.islower()
        and not name.startswith("_")
        and not isinstance(value, ModuleType)
        and not callable(value)
    }


def test_binds_every_interface_on_port_8000_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings(monkeypatch, None)["bind"] == [f"{EVERY_INTERFACE}:8000"]


def test_port_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings(monkeypatch, "9123")["bind"] == [f"{EVERY_INTERFACE}:9123"]


@pytest.mark.parametrize("port", ["http", "0", "70000", "-1"])
def test_a_bad_port_stops_the_server(monkeypatch: pytest.MonkeyPatch, port: str) -> None:
    with pytest.raises(ValueError, match=r"PORT must be a TCP port number \(1-65535\)"):
        load_settings(monkeypatch, port)


def test_one_process_because_the_store_is_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(monkeypatch, None)
    assert settings["workers"] == 1
    assert "threads" not in settings  # gthread's setting; gevent ignores it


def test_gevent_workers_serve_many_slow_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    # The stalled-client behaviour itself is tested against a running server in
    # test_server.py; here, that the setting resolves to gunicorn's gevent worker (so
    # gevent is installed at a version gunicorn accepts) and the bounds it relies on.
    config = Config()
    for name, value in load_settings(monkeypatch, None).items():
        config.set(name, value)
    assert config.worker_class is GeventWorker
    assert config.worker_connections >= 100
    assert config.keepalive <= 120  # the longest a stalled request head is kept


def test_every_name_is_a_gunicorn_setting_it_accepts(monkeypatch: pytest.MonkeyPatch) -> None:
    # gunicorn silently ignores unknown names in a config file, so a typo would
    # quietly fall back to a default; Config.set rejects both unknown names and bad values.
    settings = load_settings(monkeypatch, None)
    config = Config()
    for name, value in settings.items():
        assert name in config.settings, f"{name} is not a gunicorn setting"
        config.set(name, value)
    assert config.address == [(EVERY_INTERFACE, 8000)]
    assert config.keepalive > 60  # outlives the ALB's default idle timeout
    assert config.control_socket_disable is True
