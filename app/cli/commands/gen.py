"""``gen <module>`` / ``crud <module>``: schemas, controllers, routes, seeds and manifest from ``models.py``.

Reads ``app/business/<module>/models.py`` by AST, asks (or with ``--yes``
takes the recommended defaults), renders the files, formats them with ruff
and writes them all or nothing: a file edited by hand since the generator
wrote it stops the run unless ``--force``. ``--dry-run`` prints the plan and
writes nothing.
"""

from __future__ import annotations

import argparse
import sys
import time

from app.cli.commands._common import EXIT_OK, CliError, UsageError, echo, progress, root_of
from app.cli.commands._gen.build import CREATE_ONLY, module_files
from app.cli.commands._gen.files import CONFLICT, apply_changes, format_source, load_manifest, plan_changes
from app.cli.commands._gen.names import business_dir, check_module_name
from app.cli.commands._gen.options import GenOptions, ModelPlan, build_plans
from app.cli.commands._gen.parse import ParsedModels, parse_models_file
from app.cli.commands._gen.render import render

HELP = "generate schemas, controllers, CRUD routes, seeds and the manifest from models.py"
SPEC = "Model:a,b (repeat the option or join specs with ';')"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("module", help="business module under app/business/")
    parser.add_argument("-y", "--yes", action="store_true", help="no questions: all models, recommended defaults")
    parser.add_argument("--models", help="comma list of model names or 1-based indexes, or 'all' (default)")
    parser.add_argument("--title", help="menu title of the module (default: the module name in title case)")
    for name, text in (
        ("--contains", "substring search fields"),
        ("--exact", "equality search fields"),
        ("--search-fields", "search fields (text: substring, others: equality)"),
        ("--list-fields", "columns shown in records (id always)"),
        ("--exclude-fields", "columns left out of records"),
        ("--list-order", "default order, e.g. Model:-created_at,name (no Model: = every model)"),
        ("--enable-routes", "routes to keep: list,get,create,update,delete,batch_delete,tree"),
        ("--data-scope", "Model:user_field[,scope_field]: rows follow the caller's data scope"),
        ("--list-cache", "Model:ttl_seconds (emits a note; caching lives in services.py)"),
        ("--rate-limit", "Model:requests/window_seconds on the list route"),
    ):
        parser.add_argument(name, action="append", metavar="SPEC", help=f"{text}; {SPEC}")
    parser.add_argument("--soft-delete", nargs="?", const="*", metavar="MODELS", help="soft delete (models with SoftDeleteMixin)")
    parser.add_argument("--tree", nargs="?", const="*", metavar="MODELS", help="the /tree route (models with TreeMixin)")
    parser.add_argument("--button-auth", action="store_true", help="create/edit/delete need buttons B_<MOD>_<MODEL>_<ACTION>")
    parser.add_argument("--force", action="store_true", help="overwrite files edited by hand since the last generation")
    parser.add_argument("--dry-run", action="store_true", help="print what would be created/overwritten; write nothing")


def gen_options(args: argparse.Namespace) -> GenOptions:
    return GenOptions(
        models=args.models,
        contains=args.contains,
        exact=args.exact,
        search_fields=args.search_fields,
        list_fields=args.list_fields,
        list_order=args.list_order,
        enable_routes=args.enable_routes,
        exclude_fields=args.exclude_fields,
        data_scope=args.data_scope,
        list_cache=args.list_cache,
        rate_limit=args.rate_limit,
        soft_delete=args.soft_delete,
        tree=args.tree,
        button_auth=args.button_auth,
    )


def ask(parsed: ParsedModels, opts: GenOptions) -> GenOptions:
    """Interactive choices (a terminal and no --yes); Enter keeps the shown default."""
    listing = ", ".join(f"{i}={m.name}" for i, m in enumerate(parsed.models, start=1))
    answer = input(f"Models ({listing}) [all]: ").strip()
    opts.models = answer or opts.models
    if not opts.button_auth:
        opts.button_auth = input("Require buttons for create/edit/delete? [y/N]: ").strip().lower() in ("y", "yes")
    return opts


def describe(plans: list[ModelPlan]) -> None:
    for plan in plans:
        extras = [
            name
            for name, on in (("tree", plan.tree), ("soft-delete", plan.soft_delete), (f"scope:{plan.user_field}", plan.user_field))
            if on
        ]
        echo(f"  {plan.model.name}: /{plan.plural} search={','.join(plan.search_fields) or '-'} {' '.join(extras)}".rstrip())


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    module = check_module_name(args.module)
    root = root_of(args)
    module_dir = business_dir(root, module)
    parsed = parse_models_file(module_dir / "models.py")
    opts = gen_options(args)
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError("not a terminal: pass --yes (and options) to generate non-interactively")
        opts = ask(parsed, opts)
    plans = build_plans(parsed, opts)
    title = args.title or module.replace("_", " ").title()
    progress(f"rendering {len(plans)} model(s) of {module}")
    files = module_files(module, title, plans, opts.button_auth)
    if not (module_dir / "__init__.py").exists():
        files["__init__.py"] = render("module_init.py.tmpl", title=title)
    progress("formatting with ruff")
    files = {rel: format_source(text, f"app/business/{module}/{rel}", root) for rel, text in files.items()}
    manifest = load_manifest(module_dir)
    changes = plan_changes(module_dir, files, manifest, force=args.force, create_only=CREATE_ONLY | {"__init__.py"})
    describe(plans)
    for change in changes:
        echo(f"{change.status:<11} app/business/{module}/{change.path}")
    conflicts = [c.path for c in changes if c.status == CONFLICT]
    if conflicts:
        raise CliError(
            f"{len(conflicts)} file(s) edited since they were generated ({', '.join(conflicts)}); nothing written; --force overwrites"
        )
    if args.dry_run:
        echo("dry run: nothing written")
        return EXIT_OK
    apply_changes(module_dir, changes, manifest)
    echo(f"done in {time.perf_counter() - started:.2f}s; next: python -m app.cli makemigrations && python -m app.cli migrate")
    return EXIT_OK
