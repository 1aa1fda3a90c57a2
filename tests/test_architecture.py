"""The house rules that keep chiso easy to change, checked on the code itself.

Authorisation fails closed: every service that acts for someone takes a required `actor`, and the web
never speaks as the system.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import pkgutil
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FunctionType

import pytest

import chiso

PACKAGE = Path(chiso.__file__).resolve().parent
ADAPTERS = ("chiso.web", "chiso.cli", "chiso.__main__")


def _service_modules() -> Iterator[str]:
    for module in pkgutil.walk_packages(chiso.__path__, "chiso."):
        if "migrations" in module.name or module.name.startswith(ADAPTERS):
            continue
        yield module.name


def _functions_with_actor() -> list[tuple[str, FunctionType]]:
    found = []
    for name in _service_modules():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if inspect.isfunction(value) and value.__module__ == name:
                if "actor" in inspect.signature(value).parameters:
                    found.append((f"{name}.{attr}", value))
    return found


def _optional_actor(fn: FunctionType) -> bool:
    return inspect.signature(fn).parameters["actor"].default is not inspect.Parameter.empty


def test_every_actor_is_required() -> None:
    functions = _functions_with_actor()
    assert len(functions) >= 29, "the assessment services alone take an actor"
    optional = [name for name, fn in functions if _optional_actor(fn)]
    assert optional == [], f"a default `actor` acts as the system when forgotten: {optional}"


def test_an_optional_actor_would_be_caught() -> None:
    def bad(session: object, *, actor: object = None) -> None: ...

    assert _optional_actor(bad)  # the check above would name `bad`


def test_the_web_never_acts_as_the_system() -> None:
    offenders = []
    for path in sorted((PACKAGE / "web").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.ImportFrom) else []
            if "SYSTEM" in names or "SystemActor" in names:
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
            if isinstance(node, ast.Name) and node.id == "SYSTEM":
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == [], f"web code uses the system actor: {offenders}"


# --- the import contracts of `make lint` (.importlinter) ------------------------------------------------

ROOT = PACKAGE.parent
BREACHES = {
    "a room imports flows": ("assessment/overview.py", "import chiso.flows.scoring\n"),
    "a room imports web": ("units/text.py", "import chiso.web.pages\n"),
    "scoring imports the clock": ("scoring/publish.py", "import chiso.clock\n"),
    "scoring imports the store": ("scoring/publish.py", "import chiso.store.db\n"),
    "a cycle between siblings": ("units/text.py", "import chiso.units.admin\n"),
}


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [str(Path(sys.executable).with_name("lint-imports")), "--config", str(ROOT / ".importlinter")]
    return subprocess.run(
        command,
        cwd=tree, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_contracts_hold_on_this_tree() -> None:
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-3000:]


@pytest.mark.parametrize("breach", sorted(BREACHES))
def test_each_contract_catches_its_breach(breach: str, tmp_path: Path) -> None:
    module, line = BREACHES[breach]
    shutil.copytree(PACKAGE, tmp_path / "chiso", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    target = tmp_path / "chiso" / module
    text = target.read_text(encoding="utf-8")
    # after the module docstring and `from __future__`, so the file still imports
    head, sep, rest = text.partition("from __future__ import annotations\n")
    target.write_text(head + sep + line + rest if sep else line + text, encoding="utf-8")
    done = _lint_imports(tmp_path)
    assert done.returncode != 0, f"lint-imports accepted: {breach}"
    assert "BROKEN" in done.stdout


# --- imports sit at the top of their module (issue 9) -----------------------------------------------------

LAZY = "# lazy:"


def _unexplained_function_imports(root: Path) -> list[str]:
    """Return `path:line` of every import inside a function under root (migration scripts excepted) that has
    no `# lazy: <why>` comment on its own line or the line above."""
    found = set()
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[:3] == ("store", "migrations", "versions"):
            continue
        text = path.read_text(encoding="utf-8")
        lines = ["", *text.splitlines()]  # lines[n] is line n
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    if LAZY not in lines[inner.lineno] and LAZY not in lines[inner.lineno - 1]:
                        found.add((str(relative), inner.lineno))
    return [f"{name}:{line}" for name, line in sorted(found)]


def test_imports_are_at_the_top_of_their_module() -> None:
    offenders = _unexplained_function_imports(PACKAGE)
    assert offenders == [], (
        f"{len(offenders)} imports inside functions: move them to the top of the module, or say why not "
        f"with a `{LAZY} <reason>` comment on the line or the line above: {offenders}"
    )


def test_an_unexplained_function_import_would_be_caught(tmp_path: Path) -> None:
    (tmp_path / "room.py").write_text(
        "import json\n\n\n"
        "def bad() -> None:\n"
        "    import csv\n\n\n"
        "def explained_above() -> None:\n"
        f"    {LAZY} pyspark is an optional extra\n"
        "    import pyspark\n\n\n"
        "async def explained_inline() -> None:\n"
        f"    import uvicorn  {LAZY} loaded by `serve` only\n\n\n"
        "class Service:\n"
        "    def method(self) -> None:\n"
        "        from collections import abc\n",
        encoding="utf-8",
    )
    versions = tmp_path / "store" / "migrations" / "versions"
    versions.mkdir(parents=True)
    migration = "def upgrade() -> None:\n    import sqlalchemy\n"  # migration scripts are left as generated
    (versions / "0001_first.py").write_text(migration, encoding="utf-8")
    assert _unexplained_function_imports(tmp_path) == ["room.py:5", "room.py:19"]
