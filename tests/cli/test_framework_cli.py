"""`chiso framework list | show | check | export | import | template | diff`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from chiso.cli import app
from chiso.frameworks import BUILTIN_IDS, load_framework
from chiso.frameworks.excel import write_framework_xlsx

runner = CliRunner()


def test_list_and_show() -> None:
    listed = runner.invoke(app, ["framework", "list", "--json"])
    assert listed.exit_code == 0
    assert [f["id"] for f in json.loads(listed.output)] == list(BUILTIN_IDS)
    shown = runner.invoke(app, ["framework", "show", "qd766"])
    assert shown.exit_code == 0
    assert "TIMELINESS · " in shown.output and "PAYMENT" in shown.output
    assert (
        json.loads(runner.invoke(app, ["framework", "show", "danang-it", "--json"]).output)["id"]
        == "danang-it"
    )


def test_check_names_the_node_path(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(
        "id: x\nname_vi: x\nnodes:\n  - code: P\n    name_vi: p\n    max_points: 5\n    children:\n"
        "      - {code: L, name_vi: l, max_points: 4, rule: {type: guess}}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["framework", "check", str(path)])
    assert result.exit_code == 1
    assert "TOTAL/P/L.rule" in result.output and "unknown rule 'guess'" in result.output
    ok = runner.invoke(app, ["framework", "check", "qd766"])
    assert ok.exit_code == 0 and "valid" in ok.output
    as_json = json.loads(runner.invoke(app, ["framework", "check", str(path), "--json"]).output)
    assert as_json["ok"] is False and len(as_json["problems"]) == 1


def test_template_import_list_export_and_never_overwrite(tmp_path: Path) -> None:
    template = tmp_path / "mau.xlsx"
    assert runner.invoke(app, ["framework", "template", str(template)]).exit_code == 0
    dry = runner.invoke(app, ["framework", "import", str(template), "--dry-run", "--json"])
    assert dry.exit_code == 0 and json.loads(dry.output)["status"] == "dry_run"
    library = tmp_path / "var" / "frameworks"
    assert not library.exists()
    done = json.loads(runner.invoke(app, ["framework", "import", str(template), "--json"]).output)
    assert done["status"] == "created" and done["ref"] == "bo-chi-so-mau@2026.1"
    assert (library / "bo-chi-so-mau@2026.1.yaml").is_file()
    listed = json.loads(runner.invoke(app, ["framework", "list", "--json"]).output)
    assert listed[-1]["ref"] == "bo-chi-so-mau@2026.1" and listed[-1]["source"] == "imported"
    again = json.loads(runner.invoke(app, ["framework", "import", str(template), "--json"]).output)
    assert again["status"] == "unchanged"
    exported = tmp_path / "danang.xlsx"
    assert runner.invoke(app, ["framework", "export", "danang-it", str(exported)]).exit_code == 0
    builtin = json.loads(runner.invoke(app, ["framework", "import", str(exported), "--json"]).output)
    assert builtin["status"] == "builtin"
    assert (
        runner.invoke(app, ["framework", "export", "bo-chi-so-mau", str(tmp_path / "m.yaml")]).exit_code == 0
    )
    changed = (
        (tmp_path / "m.yaml").read_text(encoding="utf-8").replace("name_en: Example", "name_en: Changed")
    )
    (tmp_path / "m.yaml").write_text(changed, encoding="utf-8")
    refused = runner.invoke(app, ["framework", "import", str(tmp_path / "m.yaml")])
    assert refused.exit_code == 1 and "new version" in refused.output


def test_a_bad_annex_is_refused_whole_naming_rows(tmp_path: Path) -> None:

    path = tmp_path / "annex.xlsx"
    framework = load_framework("danang-it")
    bad = framework.model_copy(update={"version": "2026.1", "max_points": 90, "clip": False})
    write_framework_xlsx(bad, path)
    checked = runner.invoke(app, ["framework", "check", str(path), "--json"])
    assert checked.exit_code == 1
    problems = json.loads(checked.output)["problems"]
    assert any(p["file"] == "annex.xlsx [Thông tin chung]" and p["row"] for p in problems)
    imported = runner.invoke(app, ["framework", "import", str(path)])
    assert imported.exit_code == 1 and "nothing was saved" in imported.output
    assert not (tmp_path / "var" / "frameworks").exists()


def test_diff_table_and_json() -> None:
    shown = runner.invoke(app, ["framework", "diff", "dti-province-2022", "dti-province-2025"])
    assert shown.exit_code == 0 and "DTTM" in shown.output and "bỏ / removed" in shown.output
    data = json.loads(
        runner.invoke(app, ["framework", "diff", "dti-province-2022", "dti-province-2025", "--json"]).output
    )
    assert data["old"] == "dti-province-2022@2022.1" and data["mapping"]["NTS"] == "NTS"
    assert {"kind": "removed", "code": "DTTM"}.items() <= next(
        c for c in data["changes"] if c["code"] == "DTTM"
    ).items()


def test_unwritable_targets_are_user_errors(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    for args in (
        ["export", "qd766", str(missing / "a.xlsx")],
        ["export", "qd766", str(missing / "a.yaml")],
        ["template", str(missing / "t.xlsx")],
    ):
        result = runner.invoke(app, ["framework", *args])
        assert result.exit_code == 1 and "Cannot write" in result.output, result.output
