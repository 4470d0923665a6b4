"""``init``, ``crud``/``gen`` and ``undo`` on a throw-away project root (no database needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Run

SAMPLE = (Path(__file__).parent / "sample_models.txt").read_text(encoding="utf-8")
OPTIONS = (
    "--yes",
    "--button-auth",
    "--data-scope",
    "Product:owner_id",
    "--rate-limit",
    "Product:30/60",
    "--list-order",
    "Product:-id",
    "--contains",
    "Product:name,notes",
    "--exact",
    "Product:status,category_id,featured",
)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture
def project(tmp_path: Path, run_cli: Run) -> Path:
    (tmp_path / "app" / "business").mkdir(parents=True)
    assert run_cli("--root", str(tmp_path), "init", "shop")[0] == 0
    (tmp_path / "app" / "business" / "shop" / "models.py").write_text(SAMPLE, encoding="utf-8")
    return tmp_path


def crud(run_cli: Run, root: Path, *extra: str) -> tuple[int, str, str]:
    return run_cli("--root", str(root), "crud", "shop", *(extra or OPTIONS))


def test_init_writes_the_skeleton_with_conventions(tmp_path: Path, run_cli: Run) -> None:
    (tmp_path / "app" / "business").mkdir(parents=True)
    code, _, _ = run_cli("--root", str(tmp_path), "init", "inventory")
    assert code == 0
    module = tmp_path / "app" / "business" / "inventory"
    assert sorted(p.name for p in module.iterdir()) == ["__init__.py", "models.py"]
    models = (module / "models.py").read_text()
    assert "biz_inventory_" in models and "app.utils" in models and "crud inventory --yes" in models
    compile(models, "models.py", "exec")
    code, _, err = run_cli("--root", str(tmp_path), "init", "inventory")
    assert code == 1 and "not empty" in err


@pytest.mark.parametrize("name", ["../evil", "Shop", "1shop", "shop-x", "class", "", "a/b", "system"])
def test_init_refuses_names_that_are_not_safe_identifiers(tmp_path: Path, run_cli: Run, name: str) -> None:
    (tmp_path / "app" / "business").mkdir(parents=True)
    before = snapshot(tmp_path)
    code, _, err = run_cli("--root", str(tmp_path), "init", name)
    assert code == 2
    assert err.startswith("error: invalid module name") and err.count("\n") == 1
    assert snapshot(tmp_path) == before


def test_crud_writes_every_layer_and_records_hashes(project: Path, run_cli: Run) -> None:
    code, out, _ = crud(run_cli, project)
    assert code == 0, out
    module = project / "app" / "business" / "shop"
    for rel in ("schemas.py", "controllers.py", "services.py", "init_data.py", "module.py", "api/__init__.py", "api/manage.py"):
        assert f"created     app/business/shop/{rel}" in out
        compile((module / rel).read_text(), rel, "exec")
    manifest = json.loads((module / ".trellis-gen.json").read_text())
    assert set(manifest["files"]) == {
        "schemas.py",
        "controllers.py",
        "services.py",
        "init_data.py",
        "module.py",
        "api/__init__.py",
        "api/manage.py",
    }
    schemas = (module / "schemas.py").read_text()
    assert "category_id: SqidId | None = None" in schemas
    assert 'price: Decimal = Field(default=Decimal("0"), max_digits=10, decimal_places=2)' in schemas
    assert "status: ProductStatus = ProductStatus.draft" in schemas
    assert "released_on: date | None = None" in schemas
    assert "owner_id" not in schemas.split("class ProductSearch")[0].split("class ProductCreate")[1]  # set from the caller
    manage = (module / "api" / "manage.py").read_text()
    assert 'require_buttons("B_SHOP_PRODUCT_DELETE")' in manage and "tree_endpoint=True" in manage and "soft_delete=True" in manage
    init_data = (module / "init_data.py").read_text()
    assert '"data_scope": "all"' in init_data and '"data_scope": "self"' in init_data and "reconcile_menu_subtree" in init_data
    assert '"/api/v1/business/shop/products/search": (30, 60)' in (module / "module.py").read_text()
    for text in (schemas, manage, init_data, (module / "controllers.py").read_text()):
        imports = [line for line in text.splitlines() if line.startswith(("from app", "import app"))]
        assert all(line.startswith(("from app.utils", "from app.business.shop", "from app.system.services")) for line in imports)


def test_second_run_changes_nothing(project: Path, run_cli: Run) -> None:
    assert crud(run_cli, project)[0] == 0
    before = snapshot(project)
    code, out, _ = crud(run_cli, project)
    assert code == 0
    assert "created" not in out and "overwritten" not in out
    assert out.count("unchanged") == 7
    assert snapshot(project) == before


def test_dry_run_writes_nothing(project: Path, run_cli: Run) -> None:
    before = snapshot(project)
    code, out, _ = crud(run_cli, project, *OPTIONS, "--dry-run")
    assert code == 0
    assert "created     app/business/shop/schemas.py" in out and "dry run: nothing written" in out
    assert snapshot(project) == before


def test_hand_edited_files_are_protected_unless_forced(project: Path, run_cli: Run) -> None:
    assert crud(run_cli, project)[0] == 0
    schemas = project / "app" / "business" / "shop" / "schemas.py"
    schemas.write_text(schemas.read_text() + "\n# my change\n")
    (project / "app" / "business" / "shop" / "models.py").write_text(SAMPLE.replace("max_length=50", "max_length=60"))
    before = snapshot(project)
    code, out, err = crud(run_cli, project)
    assert code == 1 and "schemas.py" in err and "nothing written" in err
    assert "conflict    app/business/shop/schemas.py" in out
    assert snapshot(project) == before
    code, out, _ = crud(run_cli, project, *OPTIONS, "--force")
    assert code == 0 and "overwritten app/business/shop/schemas.py" in out
    assert "# my change" not in schemas.read_text() and "max_length=60" in schemas.read_text()


def test_models_change_regenerates_untouched_files_and_keeps_services(project: Path, run_cli: Run) -> None:
    assert crud(run_cli, project)[0] == 0
    services = project / "app" / "business" / "shop" / "services.py"
    services.write_text(services.read_text() + "\n\nRULE = 1\n")
    (project / "app" / "business" / "shop" / "models.py").write_text(SAMPLE.replace("max_length=50", "max_length=60"))
    code, out, _ = crud(run_cli, project)
    assert code == 0
    assert "overwritten app/business/shop/schemas.py" in out and "kept        app/business/shop/services.py" in out
    assert "RULE = 1" in services.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--yes", "--models", "Nope"), "unknown model 'Nope'"),
        (("--yes", "--contains", "Product:nope"), "has no field 'nope'"),
        (("--yes", "--contains", "Ghost:name"), "unknown or unselected model 'Ghost'"),
        (("--yes", "--contains", "Product:"), "bad spec"),
        (("--yes", "--rate-limit", "Product:ten/60"), "bad value"),
        (("--yes", "--list-cache", "Product:-5"), "bad ttl"),
        (("--yes", "--data-scope", "Product:owner_id,a,b"), "expected Model:user_field"),
        (("--yes", "--enable-routes", "list,explode"), "unknown route"),
        (("--yes", "--tree", "Product"), "does not mix in TreeMixin"),
        (("--yes", "--list-order", "Product:name;drop table"), "bad field list"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(project: Path, run_cli: Run, args: tuple[str, ...], message: str) -> None:
    before = snapshot(project)
    code, _, err = crud(run_cli, project, *args)
    assert code == 2, err
    assert message in err and err.count("\n") == 1
    assert snapshot(project) == before


@pytest.mark.parametrize("module", ["../shop", "Shop", "shop/../../x", "nomodule"])
def test_bad_module_argument_is_refused(project: Path, run_cli: Run, module: str) -> None:
    before = snapshot(project)
    code, _, err = run_cli("--root", str(project), "crud", module, "--yes")
    assert code == 2 and err.count("\n") == 1
    assert snapshot(project) == before


def test_undo_reverts_the_last_generation_and_refuses_after_edits(project: Path, run_cli: Run) -> None:
    pristine = snapshot(project)
    assert crud(run_cli, project)[0] == 0
    code, out, _ = run_cli("--root", str(project), "undo", "shop")
    assert code == 0 and "delete   app/business/shop/schemas.py" in out
    after = snapshot(project)
    after.pop("app/business/shop/.trellis-gen.json")
    assert after == pristine
    code, _, err = run_cli("--root", str(project), "undo", "shop")
    assert code == 1 and "nothing to undo" in err

    assert crud(run_cli, project)[0] == 0
    manage = project / "app" / "business" / "shop" / "api" / "manage.py"
    manage.write_text(manage.read_text() + "\n# edited\n")
    before = snapshot(project)
    code, _, err = run_cli("--root", str(project), "undo", "shop")
    assert code == 1 and "api/manage.py" in err
    assert snapshot(project) == before


def five_models() -> str:
    lines = [
        '"""Five tables."""',
        "",
        "from enum import StrEnum",
        "",
        "from tortoise import fields",
        "",
        "from app.utils import AuditMixin, BaseModel",
        "",
    ]
    lines += ["", "class Kind(StrEnum):", '    a = "a"', '    b = "b"', ""]
    for name in ("Customer", "Supplier", "Warehouse", "PurchaseOrder", "Invoice"):
        lines += ["", f"class {name}(BaseModel, AuditMixin):", f'    """{name}"""', ""]
        lines += [
            "    name = fields.CharField(max_length=80)",
            "    amount = fields.DecimalField(max_digits=12, decimal_places=2, default=0)",
        ]
        lines += [
            "    kind = fields.CharEnumField(Kind, default=Kind.a)",
            "    due_on = fields.DateField(null=True)",
            "    active = fields.BooleanField(default=True)",
        ]
        lines += ["", "    class Meta:", f'        table = "biz_five_{name.lower()}"', ""]
    return "\n".join(lines)


def test_crud_on_a_five_model_module_takes_seconds_not_minutes(tmp_path: Path, run_cli: Run) -> None:
    (tmp_path / "app" / "business").mkdir(parents=True)
    assert run_cli("--root", str(tmp_path), "init", "five")[0] == 0
    (tmp_path / "app" / "business" / "five" / "models.py").write_text(five_models(), encoding="utf-8")
    code, out, _ = run_cli("--root", str(tmp_path), "crud", "five", "--yes", "--button-auth")
    assert code == 0
    seconds = float(out.rsplit("done in ", 1)[1].split("s;", 1)[0])
    assert seconds < 10
    assert "/purchase_orders" in out
