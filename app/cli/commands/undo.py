"""``undo <module>``: revert the files the last ``gen``/``crud`` run wrote.

Uses the hashes in ``.trellis-gen.json``: a file edited since that run stops
the undo (nothing is changed) unless ``--force``. Files the run created are
deleted; files it overwrote get their previous text back.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

from app.cli.commands._common import EXIT_OK, CliError, echo, root_of
from app.cli.commands._gen.files import load_manifest, save_manifest, sha256
from app.cli.commands._gen.names import business_dir, check_module_name

HELP = "revert the files the last generation wrote (refuses when they were edited since)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("module", help="business module under app/business/")
    parser.add_argument("--dry-run", action="store_true", help="print what would be reverted; change nothing")
    parser.add_argument("--force", action="store_true", help="revert even files edited since the generation")


def run(args: argparse.Namespace) -> int:
    module = check_module_name(args.module)
    module_dir = business_dir(root_of(args), module)
    manifest = load_manifest(module_dir)
    last = manifest.get("last_run")
    if not last:
        raise CliError(f"nothing to undo for {module}: no generation recorded")
    edited = [
        rel
        for rel, entry in last.items()
        if (module_dir / rel).is_file() and sha256((module_dir / rel).read_text("utf-8")) != entry["hash"]
    ]
    if edited and not args.force:
        raise CliError(f"edited since generated: {', '.join(sorted(edited))}; nothing reverted (--force reverts anyway)")
    for rel, entry in sorted(last.items()):
        target = module_dir / rel
        action = "delete" if entry["previous"] is None else "restore"
        echo(f"{action:<8} app/business/{module}/{rel}")
        if args.dry_run:
            continue
        if entry["previous"] is None:
            target.unlink(missing_ok=True)
            manifest["files"].pop(rel, None)
        else:
            target.write_text(entry["previous"], encoding="utf-8")
            manifest["files"][rel] = sha256(entry["previous"])
    if args.dry_run:
        echo("dry run: nothing changed")
        return EXIT_OK
    _remove_empty_dirs(module_dir, last)
    manifest["last_run"] = None
    save_manifest(module_dir, manifest)
    return EXIT_OK


def _remove_empty_dirs(module_dir: Path, last: dict[str, Any]) -> None:
    """Drop sub-packages (``api/``) the run created and that are now empty (bytecode aside)."""
    for rel in last:
        parent = (module_dir / rel).parent
        if parent == module_dir or not parent.is_dir():
            continue
        if all(entry.name == "__pycache__" for entry in parent.iterdir()):
            shutil.rmtree(parent)
