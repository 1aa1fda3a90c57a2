"""`chiso units load/list/lineage` through the real CLI against a temporary SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chiso.cli import app

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def loaded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with an initialised database into which `chiso units load` has run once."""
    data_dir = tmp_path_factory.mktemp("cli-units")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHISO_DATA_DIR", str(data_dir))
        mp.delenv("CHISO_DATABASE_URL", raising=False)
        assert _run("init")[0] == 0
        code, out = _run("units", "load", "--json")
        assert code == 0, out
        counts = json.loads(out)
        assert counts["units_inserted"] == counts["current_province"] + counts["current_commune"] + (
            counts["legacy_province"] + counts["legacy_district"] + counts["legacy_commune"]
        )
    return data_dir


@pytest.fixture
def cli_env(loaded_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHISO_DATA_DIR", str(loaded_dir))
    monkeypatch.setenv("COLUMNS", "160")  # a wide terminal, so table cells are not wrapped
    return loaded_dir


def test_list_before_init_and_before_load_says_what_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHISO_DATA_DIR", str(tmp_path / "fresh"))
    code, out = _run("units", "list")
    assert code == 1
    assert "chiso init" in out and "Traceback" not in out
    assert _run("init")[0] == 0
    code, out = _run("units", "lineage", "49")
    assert code == 1
    assert "chiso units load" in out and "chiso demo" in out


def test_second_load_changes_nothing(cli_env: Path) -> None:
    code, out = _run("units", "load", "--json")
    assert code == 0
    counts = json.loads(out)
    assert counts["units_inserted"] == counts["units_updated"] == counts["lineage_inserted"] == 0
    code, out = _run("units", "load")
    assert code == 0
    assert "34 tỉnh" in out and "3,321" in out


def test_list_current_provinces_as_json(cli_env: Path) -> None:
    code, out = _run("units", "list", "--level", "province", "--json")
    assert code == 0
    units = json.loads(out)
    assert len(units) == 34
    assert {u["era"] for u in units} == {"current"}
    assert "Thành phố Đà Nẵng" in {u["full_name"] for u in units}


def test_list_on_a_date_before_the_reform_shows_legacy_units(cli_env: Path) -> None:
    code, out = _run(
        "units", "list", "--province", "48", "--on", "2025-06-30", "--level", "district", "--json"
    )
    assert code == 0
    names = [u["full_name"] for u in json.loads(out)]
    assert len(names) == 8 and "Quận Hải Châu" in names
    code, out = _run("units", "list", "--on", "30/06/2025", "--level", "province", "--json")
    assert len(json.loads(out)) == 63
    code, out = _run("units", "list", "--province", "48", "--level", "district", "--json")
    assert json.loads(out) == []  # today there are no districts


def test_list_table_and_search(cli_env: Path) -> None:
    code, out = _run("units", "list", "--q", "quang nam", "--all")
    assert code == 0
    assert "Tỉnh Quảng Nam" in out and "01/07/2025" in out
    code, out = _run("units", "list", "--level", "commune", "--province", "48", "--limit", "5")
    assert code == 0
    assert "(hiển thị / shown 5)" in out


def test_lineage_of_quang_nam(cli_env: Path) -> None:
    code, out = _run("units", "lineage", "49", "--json")
    assert code == 0
    data = json.loads(out)
    (unit,) = data["units"]
    assert unit["unit"]["full_name"] == "Tỉnh Quảng Nam"
    assert [(s["unit"]["code"], s["kind"]) for s in unit["successors"]] == [("48", "merge")]
    code, out = _run("units", "lineage", "48", "--level", "province")
    assert code == 0
    assert "Tỉnh Quảng Nam" in out and "hình thành từ" in out


def test_user_errors(cli_env: Path) -> None:
    code, out = _run("units", "list", "--level", "ward")
    assert code == 2
    code, out = _run("units", "list", "--on", "yesterday")
    assert code == 2
    code, out = _run("units", "list", "--province", "99")
    assert code == 1 and "99" in out
    code, out = _run("units", "lineage", "99999")
    assert code == 1 and "99999" in out and "Traceback" not in out
