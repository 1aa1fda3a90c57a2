"""Open data: Frictionless Data Packages whose descriptor, CSV and JSON agree; stable names and hashes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from typing import Any

from report_inputs import make_month, make_ranking

from chiso.reports.open_data import index766_data_package, ranking_data_package, zip_package
from chiso.reports.schemas import Licence

LICENCE = Licence(
    name="CC-BY-4.0",
    path="https://creativecommons.org/licenses/by/4.0/",
    title="Creative Commons Attribution 4.0",
)


def _cast(text: str, kind: str) -> Any:
    if text == "":
        return None
    return {"integer": int, "number": float}.get(kind, str)(text)


def check_package(files: dict[str, bytes]) -> dict[str, Any]:
    """Check every resource against the descriptor; return the descriptor."""
    descriptor = json.loads(files["datapackage.json"])
    assert (
        descriptor["profile"] == "tabular-data-package" and descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    )
    tables: dict[str, list[dict[str, Any]]] = {}
    for res in descriptor["resources"]:
        data = files[res["path"]]
        assert res["bytes"] == len(data) and res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        fields = res["schema"]["fields"]
        assert all(f["description"] and f["description_en"] for f in fields)
        if res["format"] == "csv":
            reader = csv.reader(io.StringIO(data.decode("utf-8")))
            assert next(reader) == [f["name"] for f in fields]
            tables[res["path"][:-4]] = [
                {f["name"]: _cast(v, f["type"]) for f, v in zip(fields, row, strict=True)} for row in reader
            ]
        else:
            rows = json.loads(data)
            assert [list(r) for r in rows][:1] == [[f["name"] for f in fields]][: len(rows[:1])]
            tables[res["path"][:-5] + ".json"] = rows
    for path, rows in tables.items():
        if not path.endswith(".json"):
            assert rows == tables[path + ".json"]  # the CSV and JSON resources hold the same rows
    return descriptor


def test_ranking_package_has_ranking_pillars_and_criteria_resources() -> None:
    files = ranking_data_package(make_ranking(), licence=LICENCE, publisher="UBND thành phố Đà Nẵng")
    descriptor = check_package(files)
    assert descriptor["name"] == "ubnd-thanh-pho-da-nang-danang-it-2025"
    assert sorted(files) == [
        "data/criteria.csv",
        "data/criteria.json",
        "data/pillar-points.csv",
        "data/pillar-points.json",
        "data/ranking.csv",
        "data/ranking.json",
        "datapackage.json",
    ]
    ranking = json.loads(files["data/ranking.json"])
    assert len(ranking) == len(make_ranking().agencies)
    sdl = next(r for r in ranking if r["agency_code"] == "SDL")
    assert (sdl["rank"], sdl["total"], sdl["previous_rank"], sdl["band"]) == (4, 82.5, 6, "Tốt")
    units = {f["name"]: f.get("unit") for f in descriptor["resources"][0]["schema"]["fields"]}
    assert units["total"] == "points" and units["rank"] is None


def test_the_same_ranking_gives_the_same_bytes_and_zip() -> None:
    a = ranking_data_package(make_ranking(), licence=LICENCE, publisher="Đà Nẵng")
    b = ranking_data_package(make_ranking(), licence=LICENCE, publisher="Đà Nẵng")
    assert a == b and zip_package(a) == zip_package(b)
    with zipfile.ZipFile(io.BytesIO(zip_package(a))) as archive:
        assert archive.read("datapackage.json") == a["datapackage.json"]


def test_csv_cells_never_run_as_formulas() -> None:
    ranking = make_ranking()
    evil = ranking.agencies[0].model_copy(update={"name_vi": "=1+2"})
    files = ranking_data_package(
        ranking.model_copy(update={"agencies": [evil, *ranking.agencies[1:]]}), licence=LICENCE, publisher="x"
    )
    assert "'=1+2" in files["data/ranking.csv"].decode()
    assert ",-5.0," in files["data/ranking.csv"].decode()  # a negative number stays a number


def test_index766_package_has_the_province_and_every_agency_with_six_groups() -> None:
    files = index766_data_package(make_month(), licence=LICENCE, publisher="Đà Nẵng")
    descriptor = check_package(files)
    assert descriptor["name"] == "da-nang-qd766-2026-06"
    rows = json.loads(files["data/index766.json"])
    assert (
        rows[0]["agency_code"] == "PROVINCE" and rows[0]["total"] == 88.4 and rows[0]["digitisation"] == 18.4
    )
    assert len(rows) == 1 + len(make_month().agencies)
