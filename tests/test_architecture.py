"""The house rules that keep chiso easy to change, checked on the code itself.

Authorisation fails closed: every service that acts for someone takes a required `actor`, and the web
never speaks as the system.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from types import FunctionType

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
