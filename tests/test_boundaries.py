"""STYLE rule 3: the dependency direction is a checked contract.

Two checkers guard it: the import-linter contracts in ``.importlinter`` (also
run by ``make boundaries``) and ``app.cli.boundaries.check_boundaries`` (an AST
scan that also knows that system services never import the web framework).
Each is shown to pass on the real tree and to fail on a planted violation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli.boundaries import Violation, check_boundaries

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

#: Violations known and reported, waiting for their owner to move the code.
#: Each entry must still occur (see the stale-entry test), so fixing one forces its removal here.
#: Violations tolerated on purpose (none today); an entry must name the file and the import.
KNOWN_VIOLATIONS: set[tuple[str, str]] = set()

#: A tiny tree with every package the contracts name; ``plant`` adds one bad import.
FAKE_TREE = {
    "app/__init__.py": "",
    "app/core/__init__.py": "",
    "app/core/code.py": "CODE = 1\n",
    "app/utils/__init__.py": "from app.core.code import CODE\n",
    "app/cli/__init__.py": "",
    "app/system/__init__.py": "",
    "app/system/api/__init__.py": "from app.system.services import users\n",
    "app/system/services/__init__.py": "ensure_menu = None\n",
    "app/system/services/users.py": "from app.system.controllers import users\n",
    "app/system/controllers/__init__.py": "",
    "app/system/controllers/users.py": "from app.system.models import User\n",
    "app/system/models/__init__.py": "User = object\n",
    "app/business/__init__.py": "",
    "app/business/shop/__init__.py": "from app.utils import CODE\nfrom app.system.services import ensure_menu\nfrom . import orders\n",
    "app/business/shop/orders.py": "from .__init__ import CODE\n",
    "app/business/stock/__init__.py": "from app.utils import CODE\n",
}


def make_tree(root: Path, plant: dict[str, str] | None = None) -> Path:
    for name, text in {**FAKE_TREE, **(plant or {})}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    shutil.copy(REPO / ".importlinter", root / ".importlinter")
    return root


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False)


# ---- import-linter -------------------------------------------------------------


def test_the_import_linter_contracts_hold_on_the_real_tree() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "broken" in result.stdout and "0 broken" in result.stdout


def test_the_import_linter_contracts_hold_on_the_clean_fake_tree(tmp_path: Path) -> None:
    result = lint_imports(make_tree(tmp_path))
    assert result.returncode == 0, result.stdout[-4000:]


@pytest.mark.parametrize(
    ("name", "text", "contract"),
    [
        ("app/core/planted.py", "from app.system.models import User\n", "app.core imports nothing above it"),
        ("app/business/shop/planted.py", "from app.core.code import CODE\n", "business modules import only"),
        ("app/business/shop/planted.py", "from app.business.stock import CODE\n", "business modules never import each other"),
        ("app/system/models/planted.py", "from app.system.services import users\n", "system layers point down"),
    ],
)
def test_the_import_linter_contracts_fail_on_a_planted_violation(tmp_path: Path, name: str, text: str, contract: str) -> None:
    result = lint_imports(make_tree(tmp_path, {name: text}))
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(contract in line for line in broken), result.stdout[-4000:]


# ---- the AST checker -----------------------------------------------------------


def test_the_real_tree_has_no_unknown_violations() -> None:
    found = {(v.path, v.imported) for v in check_boundaries(REPO)}
    assert found - KNOWN_VIOLATIONS == set(), "\n".join(str(v) for v in check_boundaries(REPO))


def test_known_violations_are_not_stale() -> None:
    found = {(v.path, v.imported) for v in check_boundaries(REPO)}
    assert KNOWN_VIOLATIONS - found == set(), "fixed: remove these from KNOWN_VIOLATIONS"


def test_the_clean_fake_tree_passes(tmp_path: Path) -> None:
    assert check_boundaries(make_tree(tmp_path)) == []


@pytest.mark.parametrize(
    ("name", "text", "imported", "rule"),
    [
        ("app/core/planted.py", "from app.system.models import User\n", "app.system.models.User", "app.core imports nothing above it"),
        ("app/core/planted.py", "import app.utils\n", "app.utils", "app.core imports nothing above it"),
        ("app/core/sub/__init__.py", "from ...cli import main\n", "app.cli.main", "app.core imports nothing above it"),
        ("app/core/planted.py", "from app import create_app\n", "app.create_app", "app.core imports nothing above it"),
        ("app/business/shop/planted.py", "from app.core.code import CODE\n", "app.core.code.CODE", "business modules import only"),
        (
            "app/business/shop/planted.py",
            "from app.business.stock import CODE\n",
            "app.business.stock.CODE",
            "business modules import only",
        ),
        ("app/business/shop/planted.py", "from ..stock import CODE\n", "app.business.stock.CODE", "business modules import only"),
        ("app/business/shop/planted.py", "from app.system.models import User\n", "app.system.models.User", "business modules import only"),
        (
            "app/business/shop/planted.py",
            "from app.system.services.users import users\n",
            "app.system.services.users.users",
            "not its submodules",
        ),
        ("app/system/models/planted.py", "from app.system.api import x\n", "app.system.api.x", "system models must not import system api"),
        ("app/system/models/planted.py", "from ..services import users\n", "app.system.services.users", "system models must not import"),
        ("app/system/controllers/planted.py", "from app.system.services import users\n", "app.system.services.users", "system controllers"),
        ("app/system/services/planted.py", "from fastapi import Request\n", "fastapi.Request", "never import the web framework"),
        ("app/system/services/planted.py", "import starlette.requests\n", "starlette.requests", "never import the web framework"),
    ],
)
def test_the_ast_checker_reports_a_planted_violation(tmp_path: Path, name: str, text: str, imported: str, rule: str) -> None:
    violations = check_boundaries(make_tree(tmp_path, {name: text}))
    assert len(violations) == 1, violations
    violation = violations[0]
    assert isinstance(violation, Violation)
    assert (violation.path, violation.line, violation.imported) == (name, 1, imported)
    assert rule in violation.rule
    assert str(violation).startswith(f"{name}:1: ")


def test_allowed_imports_are_not_reported(tmp_path: Path) -> None:
    plant = {
        "app/business/shop/ok.py": (
            "import os\nfrom app.utils import CODE\nfrom app.system.services import ensure_menu\nfrom app.business.shop import orders\n"
        ),
        "app/system/api/ok.py": "from app.system.models import User\nfrom fastapi import APIRouter\n",
        "app/core/ok.py": "from app.core.code import CODE\nfrom . import code\n",
    }
    assert check_boundaries(make_tree(tmp_path, plant)) == []
