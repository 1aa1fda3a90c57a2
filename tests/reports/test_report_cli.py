"""`chiso report ...` through the real CLI on a small site: the decision's header lines, "Nơi nhận" and
every ranked agency as extractable text; the workbook, summary, scorecard and open data; a draft."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from report_site import AGENCIES, OPEN, PAST, build_site
from typer.testing import CliRunner

from chiso.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_site(f"sqlite:///{tmp_path_factory.mktemp('reports-cli') / 'chiso.db'}")


@pytest.fixture
def cli(site: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHISO_DATABASE_URL", site)
    monkeypatch.setenv("COLUMNS", "200")


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def text_of(path: Path) -> str:
    return re.sub(
        r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    )


def test_the_ranking_decision_and_workbook(cli: None, tmp_path: Path) -> None:
    pdf, xlsx = tmp_path / "qd.pdf", tmp_path / "xh.xlsx"
    out = run("report", "ranking", PAST, "--pdf", str(pdf), "--xlsx", str(xlsx), "--number", "7",
              "--date", "2026-02-05", "--signer", "Trần Văn Bình", "--recipient", "Như Điều 3;")  # fmt: skip
    assert "đã công bố / published" in out
    text = text_of(pdf)
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Số: 07/QĐ-UBND",
                     "ngày 05 tháng 02 năm 2026", "Nơi nhận:", "- Như Điều 3;", "Trần Văn Bình",
                     *AGENCIES.values()):  # fmt: skip
        assert expected in text, expected
    assert "DỰ THẢO" not in text
    assert load_workbook(io.BytesIO(xlsx.read_bytes()), read_only=True).sheetnames


def test_an_unpublished_period_gives_a_draft(cli: None, tmp_path: Path) -> None:
    pdf = tmp_path / "draft.pdf"
    assert "DỰ THẢO / draft" in run("report", "ranking", OPEN, "--pdf", str(pdf))
    assert "DỰ THẢO" in text_of(pdf)


def test_summary_scorecard_and_open_data(cli: None, tmp_path: Path) -> None:
    assert "Sở, ban, ngành" in run("report", "narrative", PAST)
    facts = json.loads(run("report", "narrative", PAST, "--lang", "en", "--json"))
    assert facts["paragraphs"] and {f["kind"] for f in facts["facts"]} >= {"agency_count", "total"}
    card = tmp_path / "card.pdf"
    run("report", "agency", PAST, "RP.A", "--pdf", str(card))
    assert "Sở Khoa học và Công nghệ" in text_of(card)
    run("report", "open-data", PAST, "--out", str(tmp_path / "od"))
    descriptor = json.loads((tmp_path / "od" / "datapackage.json").read_text(encoding="utf-8"))
    assert all((tmp_path / "od" / r["path"]).stat().st_size == r["bytes"] for r in descriptor["resources"])


def test_errors_are_one_message_and_exit_code_1(cli: None, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "agency", PAST, "NOPE", "--pdf", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1 and "NOPE" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["report", "ranking", PAST])
    assert result.exit_code == 1 and "--pdf" in result.output
    result = runner.invoke(app, ["report", "open-data", OPEN, "--out", str(tmp_path / "od")])
    assert result.exit_code == 1 and "Traceback" not in result.output
