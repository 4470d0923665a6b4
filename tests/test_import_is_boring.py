"""STYLE rule 1: importing is boring.

In a fresh interpreter, importing every Trellis module writes nothing, creates
no folder, starts no thread or process, opens no socket, reads no ``.env`` and
builds no settings, codec or ORM.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PROBE = r"""
import json, sys, threading

events = []

def audit(event, args):
    if event == "open":
        path, mode = str(args[0]), str(args[1] or "r")
        if any(flag in mode for flag in "wax+") or path.endswith(".env"):
            events.append(f"open {path} {mode}")
    elif event in ("os.mkdir", "os.rename", "os.remove", "shutil.rmtree", "subprocess.Popen", "os.system", "socket.connect", "os.fork"):
        events.append(f"{event} {args[:1]!r}")
    elif event == "os.putenv":
        events.append(f"{event} {args[:1]!r}")

sys.addaudithook(audit)

import importlib, pkgutil
import app

names = ["app"] + sorted(m.name for m in pkgutil.walk_packages(app.__path__, "app.") if ".templates" not in m.name)
failed = {}
for name in names:
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed[name] = f"{type(exc).__name__}: {exc}"

from app.core import config, sqids
from tortoise import Tortoise

print(json.dumps({
    "modules": names,
    "failed": failed,
    "events": events,
    "threads": [t.name for t in threading.enumerate()],
    "settings_built": config.get_settings.cache_info().currsize,
    "sqids_configured": sqids._codec is not None,
    "tortoise_inited": bool(Tortoise._inited),
}))
"""


def run_probe(cwd: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.isupper() or k in ("PATH", "HOME", "LANG", "TMPDIR")}
    env.update({"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(REPO)})
    # Poisoned configuration: building Settings at import time would fail loudly.
    env["PORT"] = "not-a-port"
    (cwd / ".env").write_text("PORT=also-not-a-port\nDATA_DIR=/nonexistent/should-not-be-created\n")
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_every_module_does_nothing(tmp_path: Path) -> None:
    report = run_probe(tmp_path)
    assert "app.core.code" in report["modules"] and "app.utils" in report["modules"]
    assert report["failed"] == {}
    assert report["events"] == []
    assert report["threads"] == ["MainThread"]
    assert report["settings_built"] == 0
    assert report["sqids_configured"] is False
    assert report["tortoise_inited"] is False
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env"], "no file or folder appeared"


def test_the_probe_would_notice_import_time_work(tmp_path: Path) -> None:
    """The audit hook is able to fail: building settings at import reads the poisoned .env."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(REPO)}
    (tmp_path / ".env").write_text("PORT=also-not-a-port\n")
    probe = PROBE.replace(
        "import app\n", "import app\nfrom app.core.config import get_settings\ntry:\n    get_settings()\nexcept Exception:\n    pass\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert any(".env" in event for event in report["events"])
