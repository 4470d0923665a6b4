"""Discovery of business modules: what is found, skipped, refused and logged.

Each test writes a throw-away package under ``tmp_path`` (a unique name, put
on ``sys.path``) and points discovery at it, like ``BUSINESS_PACKAGE`` does.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from loguru import logger

from app.core.autodiscover import ModuleImportError, discover_modules
from app.core.business import ModuleConfigError
from tests.core.conftest import Writer

PUBLIC_MANIFEST = """
from fastapi import APIRouter
from app.core.responses import Success
from app.utils import BusinessModule, BusinessRouter

router = APIRouter()

@router.get("/ping", name="{name}.ping.get")
async def ping() -> Success:
    return Success(data={{"module": "{name}"}})

module = BusinessModule(name="{name}", routers=(BusinessRouter(router, auth="public"),){extra})
"""


def manifest(name: str, extra: str = "") -> str:
    return PUBLIC_MANIFEST.format(name=name, extra=extra)


@pytest.fixture
def logs() -> Iterator[list[str]]:
    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(message.record["message"]), level="INFO")
    yield lines
    logger.remove(sink)


def test_modules_are_sorted_and_underscore_or_init_less_directories_are_skipped(package: Writer, logs: list[str]) -> None:
    pkg = package(
        {
            "zeta/__init__.py": "",
            "alpha/__init__.py": "",
            "_draft/__init__.py": "",
            "loose/helpers.py": "X = 1\n",
        }
    )
    assert [spec.name for spec in discover_modules(pkg)] == ["alpha", "zeta"]
    assert any("loose" in line and "no __init__.py" in line for line in logs)
    assert any("alpha has no routes" in line for line in logs)


def test_optional_files_are_optional_and_each_is_recognised(package: Writer) -> None:
    pkg = package(
        {
            "shop/__init__.py": "",
            "shop/api.py": """
                from fastapi import APIRouter
                router = APIRouter(prefix='/shop')
                ENDPOINT_RATE_LIMITS = {'/api/v1/business/shop/x': (5, 60)}
            """,
            "shop/init_data.py": "INIT_DATA = {'menus': []}\nasync def init() -> None: ...\n",
            "bare/__init__.py": "",
        }
    )
    bare, shop = discover_modules(pkg)
    assert (bare.models_module, bare.routers, bare.legacy_router, bare.init) == (None, (), None, None)
    assert shop.source == "legacy" and shop.legacy_router is not None and shop.init is not None
    assert shop.init_data == {"menus": []}
    assert shop.rate_limits == {"/api/v1/business/shop/x": (5, 60)}


def test_a_module_that_fails_to_import_stops_discovery_naming_module_and_cause(package: Writer) -> None:
    pkg = package({"broken/__init__.py": "", "broken/module.py": "import does_not_exist_anywhere\n"})
    with pytest.raises(ModuleImportError, match=r"'broken'.*broken\.module.*ModuleNotFoundError.*does_not_exist_anywhere"):
        discover_modules(pkg)


def test_drift_is_logged(package: Writer, logs: list[str]) -> None:
    pkg = package(
        {
            "noroute/__init__.py": "",
            "noroute/api.py": "router = 'not a router'\n",
            "typo/__init__.py": "",
            "typo/model.py": "",
        }
    )
    specs = discover_modules(pkg)
    assert [s.models_module for s in specs] == [None, None]
    assert any("noroute.api has no valid `router`" in line for line in logs)
    assert any("typo has model.py; rename it to models.py" in line for line in logs)


def test_the_manifest_must_be_a_business_module_named_like_its_directory(package: Writer) -> None:
    pkg = package({"wrong/__init__.py": "", "wrong/module.py": manifest("other")})
    with pytest.raises(ModuleConfigError, match="differs from the directory"):
        discover_modules(pkg)


def test_disabled_modules_keep_their_models_but_nothing_else(package: Writer) -> None:
    pkg = package(
        {
            "store/__init__.py": "",
            "store/models.py": "",
            "store/module.py": manifest("store"),
        }
    )
    (spec,) = discover_modules(pkg, disabled=["store"])
    assert not spec.enabled
    assert spec.models_module == f"{pkg}.store.models"
    assert spec.routers == ()


def test_demo_modules_load_only_when_enabled(package: Writer) -> None:
    pkg = package({"showcase/__init__.py": "", "showcase/module.py": manifest("showcase", ", demo=True")})
    assert discover_modules(pkg) == []
    assert [s.name for s in discover_modules(pkg, enabled=["showcase"])] == ["showcase"]


def test_a_config_db_url_different_from_the_main_one_gives_an_own_database(package: Writer) -> None:
    config = "class Config:\n    DB_URL = 'sqlite://other.db'\n\nsettings = Config()\n"
    pkg = package(
        {
            "books/__init__.py": "",
            "books/models.py": "",
            "books/config.py": config,
            "same/__init__.py": "",
            "same/models.py": "",
            "same/config.py": "class C:\n    DB_URL = 'sqlite://main.db'\n",
            "nomodels/__init__.py": "",
            "nomodels/config.py": config,
        }
    )
    books, nomodels, same = discover_modules(pkg, main_db_url="sqlite://main.db")
    assert (books.db_url, books.orm_app, books.connection) == ("sqlite://other.db", "app_books", "conn_books")
    assert same.db_url is None and nomodels.db_url is None


def test_dependencies_come_first_and_broken_dependencies_are_refused(package: Writer) -> None:
    pkg = package(
        {
            "aa/__init__.py": "",
            "aa/module.py": manifest("aa", ", depends_on=('zz',)"),
            "zz/__init__.py": "",
            "zz/module.py": manifest("zz"),
        }
    )
    assert [s.name for s in discover_modules(pkg)] == ["zz", "aa"]
    with pytest.raises(ModuleConfigError, match="'aa' depends on 'zz', which is disabled"):
        discover_modules(pkg, disabled=["zz"])


def test_missing_and_cyclic_dependencies_are_refused(package: Writer) -> None:
    pkg = package({"aa/__init__.py": "", "aa/module.py": manifest("aa", ", depends_on=('ghost',)")})
    with pytest.raises(ModuleConfigError, match="not installed"):
        discover_modules(pkg)
    pkg = package(
        {
            "aa/module.py": manifest("aa"),  # imported already (still needs ghost): disabled below
            "cc/__init__.py": "",
            "cc/module.py": manifest("cc", ", depends_on=('dd',)"),
            "dd/__init__.py": "",
            "dd/module.py": manifest("dd", ", depends_on=('cc',)"),
        }
    )
    with pytest.raises(ModuleConfigError, match="cycle: cc -> dd -> cc"):
        discover_modules(pkg, disabled=["aa"])


def test_invalid_rate_limits_are_skipped(package: Writer, logs: list[str]) -> None:
    limits = ", rate_limits={'/api/v1/business/rl/ping': (3, 10), 'relative': (1, 1), '/api/v1/x': (0, 5)}"
    pkg = package({"rl/__init__.py": "", "rl/module.py": manifest("rl", limits)})
    (spec,) = discover_modules(pkg)
    assert spec.rate_limits == {"/api/v1/business/rl/ping": (3, 10)}
    assert sum("invalid rate limit" in line for line in logs) == 2


def test_discovery_returns_values_and_changes_nothing_global(package: Writer) -> None:
    pkg = package({"one/__init__.py": "", "one/module.py": manifest("one")})
    before = set(sys.modules)
    first, second = discover_modules(pkg), discover_modules(pkg)
    assert first == second
    assert {m for m in set(sys.modules) - before if not m.startswith(pkg)} <= {m for m in sys.modules if m.startswith("app.")}
