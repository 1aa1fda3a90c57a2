"""`chiso framework ...`: list, show and check index frameworks (thin commands over chiso.frameworks)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from rich.tree import Tree

from chiso.cli.common import console, print_json, run_guarded

app = typer.Typer(
    help="Bộ chỉ số: liệt kê, xem, kiểm tra / index frameworks: list, show, check.", no_args_is_help=True
)


@app.command("list")
def list_command(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the frameworks shipped with chiso."""
    from chiso.frameworks import list_builtin_frameworks, node_max

    def _run() -> None:
        frameworks = list_builtin_frameworks()
        rows = [
            {
                "id": f.id,
                "version": f.version,
                "name_vi": f.name_vi,
                "name_en": f.name_en,
                "decision": f.decision,
                "max_points": node_max(f.root()),
                "leaves": len(f.leaves()),
            }
            for f in frameworks
        ]
        if as_json:
            print_json(rows)
            return
        table = Table(title="Bộ chỉ số có sẵn / built-in frameworks")
        for name in (
            "id",
            "version",
            "Tên / name",
            "Quyết định / decision",
            "Điểm / max",
            "Tiêu chí / leaves",
        ):
            table.add_column(name)
        for row in rows:
            table.add_row(
                str(row["id"]),
                str(row["version"]),
                str(row["name_vi"]),
                str(row["decision"]),
                f"{row['max_points']:g}",
                str(row["leaves"]),
            )
        console.print(table)

    run_guarded(_run)


@app.command("show")
def show_command(
    framework: str = typer.Argument(..., help="Built-in id or a YAML file."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole framework as JSON."),
) -> None:
    """Print a framework's tree with the points of every node and each leaf's rule."""
    from chiso.frameworks import Node, load_framework, node_max

    def _run() -> None:
        fw = load_framework(framework)
        if as_json:
            print_json(fw.model_dump(mode="json"))
            return
        root = Tree(f"[bold]{fw.id}[/] {fw.version} · {fw.name_vi} · {node_max(fw.root()):g} điểm/points")

        def add(parent: Tree, node: Node) -> None:
            rule = ""
            if node.rule is not None:
                params = {k: v for k, v in node.rule.describe().items() if k != "type" and v is not None}
                rule = f" [dim]{node.rule.type} {params if params else ''}[/]"
            kinds = f" [cyan]({', '.join(node.agency_kinds)})[/]" if node.agency_kinds else ""
            clip = " [magenta]tối đa/capped[/]" if node.clip else ""
            branch = parent.add(f"{node.code} · {node.name_vi} · {node_max(node):g}{clip}{kinds}{rule}")
            for child in node.children:
                add(branch, child)

        for node in fw.nodes:
            add(root, node)
        console.print(root)
        if fw.bands:
            console.print(
                "Xếp loại / bands: "
                + "; ".join(
                    f"{b.label_vi} [{'' if b.min is None else f'{b.min:g}'}, "
                    f"{'' if b.max is None else f'{b.max:g}'})"
                    for b in fw.bands
                )
            )

    run_guarded(_run)


@app.command("check")
def check_command(
    path: Path = typer.Argument(..., help="The framework YAML file (or a built-in id)."),
    as_json: bool = typer.Option(False, "--json", help="Print the problems as JSON."),
) -> None:
    """Check a framework file and name the exact node path of every problem."""
    from chiso.frameworks import check_framework

    def _run() -> None:
        problems = check_framework(path)
        if as_json:
            print_json({"ok": not problems, "problems": [p.to_dict() for p in problems]})
        elif problems:
            console.print(f"[bold red]{len(problems)} lỗi / problems[/] trong/in {path}:")
            for problem in problems:
                console.print(f"  - {problem}", highlight=False, markup=False)
        else:
            console.print(f"[green]Hợp lệ / valid:[/] {path}")
        if problems:
            raise typer.Exit(1)

    run_guarded(_run)
