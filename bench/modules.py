"""Generate many business modules for the cold-start workload."""

from __future__ import annotations

from pathlib import Path

_MODULE = '''"""Benchmark module {index}: {routes} routes through a manifest permission router."""
'''

_API = """from fastapi import APIRouter

from app.utils import Success

router = APIRouter()

{routes}
"""

_ROUTE = """

@router.get("/items{n}", name="{name}.items.read{n}", summary="read {n}")
async def read_items{n}() -> Success:
    return Success({{"n": {n}}})
"""

_MANIFEST = """from app.utils import BusinessModule, BusinessRouter

from {package}.{name}.api import router

module = BusinessModule(name="{name}", title="Bench {name}", routers=[BusinessRouter(router)])
"""


def write_modules(root: Path, package: str, count: int, routes_each: int) -> None:
    """``root/<package>/bench_NN`` with a manifest and ``routes_each`` GET routes each."""
    pkg_dir = root / package
    pkg_dir.mkdir(parents=True, exist_ok=True)
    (pkg_dir / "__init__.py").write_text('"""Generated benchmark modules."""\n')
    for index in range(count):
        name = f"bench_{index:02d}"
        mod = pkg_dir / name
        mod.mkdir(exist_ok=True)
        (mod / "__init__.py").write_text(_MODULE.format(index=index, routes=routes_each))
        body = "".join(_ROUTE.format(n=n, name=name) for n in range(routes_each))
        (mod / "api.py").write_text(_API.format(routes=body.strip("\n")))
        (mod / "module.py").write_text(_MANIFEST.format(package=package, name=name))
