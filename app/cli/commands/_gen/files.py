"""Write generated files safely: format, compare, protect hand edits, record hashes for ``undo``.

The manifest ``app/business/<module>/.trellis-gen.json`` holds the sha256 of
every file the generator last wrote and, for the last run, what each file
contained before (``null`` = did not exist), so ``undo`` can restore it.
A file whose current hash differs from the recorded one was edited by hand:
it is only overwritten with ``--force``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.cli.commands._common import CliError
from app.core.migrate import project_root

MANIFEST = ".trellis-gen.json"
CREATED, OVERWRITTEN, UNCHANGED, KEPT, CONFLICT = "created", "overwritten", "unchanged", "kept", "conflict"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_manifest(module_dir: Path) -> dict[str, Any]:
    path = module_dir / MANIFEST
    if not path.is_file():
        return {"files": {}, "last_run": None}
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        raise CliError(f"{path} is not valid JSON; fix or delete it") from None
    data.setdefault("files", {})
    data.setdefault("last_run", None)
    return data


def save_manifest(module_dir: Path, manifest: dict[str, Any]) -> None:
    (module_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _ruff() -> list[str] | None:
    candidate = Path(sys.executable).with_name("ruff")
    if candidate.is_file():
        return [str(candidate)]
    found = shutil.which("ruff")
    return [found] if found else None


def format_source(text: str, filename: str, root: Path) -> str:
    """``ruff check --fix`` (imports) then ``ruff format`` through stdin; unchanged when ruff is absent."""
    ruff = _ruff()
    if ruff is None:
        return text
    config = root / "pyproject.toml"
    ruff = [*ruff, "--config", str(config if config.is_file() else project_root() / "pyproject.toml")]
    # ``app`` is always first-party, wherever the project root is (keeps the output stable).
    fix = ["check", "--fix-only", "--select", "I,F401,UP,RUF022", "--exit-zero", "--config", "lint.isort.known-first-party = ['app']"]
    for args in (fix, ["format"]):
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [*ruff, *args, "--stdin-filename", filename, "-"], input=text, capture_output=True, text=True, cwd=root, check=False
        )
        if done.returncode == 0 and done.stdout:
            text = done.stdout
    return text


@dataclass
class Change:
    path: str
    status: str
    text: str
    previous: str | None


def plan_changes(
    module_dir: Path, files: dict[str, str], manifest: dict[str, Any], *, force: bool, create_only: frozenset[str]
) -> list[Change]:
    """What writing ``files`` would do to each path (nothing is written here)."""
    changes: list[Change] = []
    for rel, text in files.items():
        target = module_dir / rel
        if not target.exists():
            changes.append(Change(rel, CREATED, text, None))
            continue
        current = target.read_text(encoding="utf-8")
        if current == text:
            changes.append(Change(rel, UNCHANGED, text, current))
        elif rel in create_only:
            changes.append(Change(rel, KEPT, text, current))
        elif force or manifest["files"].get(rel) == sha256(current):
            changes.append(Change(rel, OVERWRITTEN, text, current))
        else:
            changes.append(Change(rel, CONFLICT, text, current))
    return changes


def apply_changes(module_dir: Path, changes: list[Change], manifest: dict[str, Any]) -> None:
    """Write created/overwritten files and record them (with their previous text) in the manifest."""
    written = [c for c in changes if c.status in (CREATED, OVERWRITTEN)]
    if not written:
        return
    for change in written:
        target = module_dir / change.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(change.text, encoding="utf-8")
        manifest["files"][change.path] = sha256(change.text)
    manifest["last_run"] = {c.path: {"hash": sha256(c.text), "previous": c.previous} for c in written}
    save_manifest(module_dir, manifest)
