"""Generate docs/cli.md from the Typer app itself, so the CLI reference never drifts from the code.

Run `python -m chiso.cli.reference --write docs/cli.md`; tests/cli/test_reference.py fails when the
file is stale. CLI layer.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from chiso.cli import app

HEADER = """# chiso CLI reference

Generated from the code by `python -m chiso.cli.reference --write docs/cli.md`; do not edit by hand.
Every command exits 0 on success, 1 on a user error (one message, no traceback unless `--debug`)
and 2 on a usage error.
"""


# Typer may bring its own copy of click, so commands and parameters are read by duck typing.
def _walk(command: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    found = [(path, command)]
    for name in sorted(getattr(command, "commands", {}) or {}):
        found.extend(_walk(command.commands[name], [*path, name]))
    return found


def _option_line(param: Any) -> str:
    if param.param_type_name == "argument":
        return f"- `{str(param.name).upper()}` (argument{', required' if param.required else ''})"
    names = ", ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
    help_text = " ".join((getattr(param, "help", None) or "").split())
    return f"- {names}: {help_text}" if help_text else f"- {names}"


def render_reference() -> str:
    """Return the Markdown reference of every `chiso` command with its help text and options."""
    root = typer.main.get_command(app)
    parts = [HEADER]
    for path, command in _walk(root, ["chiso"]):
        if command.hidden:
            continue
        title = " ".join(path)
        parts.append(f"\n## `{title}`\n")
        text = (command.help or "").strip()
        if text:
            parts.append(text + "\n")
        hidden = ("help", "install_completion", "show_completion")
        params = [p for p in command.params if p.name not in hidden]
        is_group = bool(getattr(command, "commands", None))
        if params and not (is_group and not getattr(command, "invoke_without_command", False)):
            parts.append("")
            parts.extend(_option_line(p) for p in params)
            parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def main(argv: list[str]) -> int:
    """Print the reference, or write it to the file named after --write."""
    text = render_reference()
    if len(argv) == 2 and argv[0] == "--write":
        target = Path(argv[1])
        changed = not target.exists() or target.read_text(encoding="utf-8") != text
        target.write_text(text, encoding="utf-8")
        print(f"{target}: {'updated' if changed else 'up to date'}")
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
