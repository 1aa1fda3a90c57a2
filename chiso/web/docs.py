"""Generate the tables of docs/web.md (roles x actions, routes) from permissions.py and the app's routes.

Web layer; run `python -m chiso.web.docs --write docs/web.md` after adding an action or a route: the
text between the GENERATED markers is replaced, the rest of the page is left alone.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from chiso.store.models.users import ROLES
from chiso.web.app import create_app, list_routes
from chiso.web.permissions import permissions_table

BEGIN = "<!-- BEGIN GENERATED: python -m chiso.web.docs --write docs/web.md -->"
END = "<!-- END GENERATED -->"


def render_tables() -> str:
    """Return the Markdown of the roles x actions table and the routes table."""
    lines = ["### Roles x actions", "", "| action | " + " | ".join(ROLES) + " | what it allows |"]
    lines.append("|---|" + "---|" * len(ROLES) + "---|")
    for row in permissions_table():
        marks = " | ".join("yes" if row[role] else "·" for role in ROLES)
        lines.append(f"| `{row['action']}` | {marks} | {row['description_vi']} / {row['description_en']} |")
    lines += ["", "### Routes", "", "| method | path | action | what it does |", "|---|---|---|---|"]
    for info in sorted(list_routes(create_app()), key=lambda r: (r.path, r.method)):
        action = f"`{info.action}`" if info.action else "(public, built by FastAPI)"
        summary = info.summary.replace("|", "\\|")
        lines.append(f"| {info.method} | `{info.path}` | {action} | {summary} |")
    return "\n".join(lines) + "\n"


def update_page(path: Path) -> bool:
    """Replace the generated block of `path`; return True when the file changed."""
    text = path.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    new = text[:start] + "\n" + render_tables() + text[end:]
    if new != text:
        path.write_text(new, encoding="utf-8")
        return True
    return False


def main() -> None:
    """Print the tables, or write them into a page with --write."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", type=Path, help="the page whose generated block to replace")
    args = parser.parse_args()
    if args.write:
        changed = update_page(args.write)
        print(f"{args.write}: {'updated' if changed else 'up to date'}")
    else:
        print(render_tables(), end="")


if __name__ == "__main__":
    main()
