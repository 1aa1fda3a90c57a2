"""`chiso agencies ...` and `chiso demo` through the real CLI against a temporary SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import run_cli

GOOD = (
    "code,name_vi,name_en,kind,province_code,valid_from,valid_to,predecessor_codes,link_kind,groups\n"
    "T.SO.TTTT,Sở Thông tin và Truyền thông,,department,T1,,2025-03-01,,,2024:SBN\n"
    "T.SO.KHCN,Sở Khoa học và Công nghệ,,department,T1,,,T.SO.TTTT,merge,2024:SBN;2026:SBN\n"
)


def test_commands_before_init_say_what_torun_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHISO_DATA_DIR", str(tmp_path / "fresh"))
    code, out = run_cli("agencies", "list")
    assert code == 1 and "chiso init" in out and "Traceback" not in out


def test_import_list_show_export(cli_env: Path) -> None:
    source = cli_env / "in.csv"
    source.write_text(GOOD, encoding="utf-8-sig")
    code, out = run_cli("agencies", "import", str(source), "--json")
    assert code == 0, out
    assert json.loads(out)["created"] == ["T.SO.TTTT", "T.SO.KHCN"]
    code, out = run_cli("agencies", "list", "--q", "khoa hoc", "--json")
    assert [a["code"] for a in json.loads(out)] == ["T.SO.KHCN"]
    code, out = run_cli("agencies", "show", "T.SO.KHCN")
    assert code == 0 and "T.SO.TTTT" in out and "01/03/2025" in out
    code, out = run_cli("agencies", "groups", "--json")
    assert {(g["period"], g["code"], len(g["member_codes"])) for g in json.loads(out)} == {
        ("2024", "SBN", 2), ("2026", "SBN", 1)
    }  # fmt: skip
    target = cli_env / "out.xlsx"
    code, out = run_cli("agencies", "export", str(target))
    assert code == 0 and target.is_file()
    code, out = run_cli("agencies", "import", str(target), "--json")
    assert json.loads(out)["unchanged"] == 2


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_an_export_passes_a_dry_run_import(cli_env: Path, suffix: str) -> None:
    """Issue 10: `chiso agencies export x.csv`, then `import x.csv --dry-run` reports no problem."""
    source = cli_env / "in.csv"
    source.write_text(GOOD, encoding="utf-8")
    assert run_cli("agencies", "import", str(source))[0] == 0
    exported = cli_env / f"x.{suffix}"
    assert run_cli("agencies", "export", str(exported))[0] == 0
    code, out = run_cli("agencies", "import", str(exported), "--dry-run", "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["created"] == report["updated"] == [] and report["unchanged"] == 2
    assert report["links_added"] == report["links_removed"] == report["members_added"] == 0


def test_bad_file_gives_rows_and_columns_and_writes_nothing(cli_env: Path) -> None:
    bad = cli_env / "bad.csv"
    bad.write_text(GOOD + "T.X,Sở X,,sở,T1,,,NOPE,,\n", encoding="utf-8")
    code, out = run_cli("agencies", "import", str(bad))
    assert code == 1 and "Traceback" not in out
    assert "row 4" in out and "kind" in out and "predecessor_codes" in out and "NOPE" in out
    code, out = run_cli("agencies", "list", "--json")
    assert json.loads(out) == []


def test_dry_run_writes_nothing(cli_env: Path) -> None:
    source = cli_env / "in.csv"
    source.write_text(GOOD, encoding="utf-8")
    code, out = run_cli("agencies", "import", str(source), "--dry-run")
    assert code == 0 and "dry run" in out
    assert json.loads(run_cli("agencies", "list", "--json")[1]) == []


def test_show_unknown_code(cli_env: Path) -> None:
    code, out = run_cli("agencies", "show", "NO.SUCH")
    assert code == 1 and "NO.SUCH" in out


@pytest.mark.slow  # a whole `chiso demo` in a subprocess; CI runs it
def test_demo_if_empty_is_a_no_op_the_second_time(cli_env: Path) -> None:
    code, out = run_cli("demo", "--if-empty")
    assert code == 0, out
    assert "baocao.khcn" in out and "chiso-demo-2026" in out
    code, out = run_cli("demo", "--if-empty")
    assert code == 0 and "--if-empty" in out
    code, out = run_cli("agencies", "list", "--group", "2026:SBN", "--json")
    assert "DNG.SO.KHCN" in {a["code"] for a in json.loads(out)}
