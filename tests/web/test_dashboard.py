"""The leader's dashboard page: for the secretariat and leaders only, its charts beside their tables, each
table downloadable, the navigation link for the roles allowed, and the home page's key figures."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("role", ["leader", "secretariat"])
def test_the_dashboard_draws_its_charts_beside_their_tables(
    client: TestClient, login: Callable[[str], str], role: str
) -> None:
    login(role)
    page = client.get("/dashboard")
    assert page.status_code == 200, page.text[:500]
    html = page.text
    assert html.count('class="chart-svg"') >= 5 and 'href="/dashboard"' in html
    assert "/dashboard/figures.csv" in html and "/dashboard/trend.csv" in html
    assert "/monitoring/brief/" in html  # the month's leader brief
    twin = client.get("/api/dashboard").json()
    assert twin["figures"][0]["code"] == "TOTAL" and len(twin["figures"]) >= 7


@pytest.mark.parametrize("role", ["reporter", "assessor", "public"])
def test_other_roles_neither_see_it_nor_the_menu_item(
    client: TestClient, login: Callable[[str], str], role: str
) -> None:
    login(role)
    assert client.get("/dashboard").status_code == 403
    assert client.get("/api/dashboard").status_code == 403
    assert client.get("/dashboard/figures.csv").status_code == 403
    assert 'href="/dashboard"' not in client.get("/").text


def test_each_table_downloads(client: TestClient, login: Callable[[str], str]) -> None:
    login("leader")
    for table in ("figures", "bands", "trend", "levels", "movers", "red", "years", "dti"):
        got = client.get(f"/dashboard/{table}.csv")
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
        assert rows and rows[0]
    figures = list(
        csv.DictReader(io.StringIO(client.get("/dashboard/figures.csv").content.decode("utf-8-sig")))
    )
    assert [r["code"] for r in figures][:2] == ["TOTAL", "TRANSPARENCY"]
    assert client.get("/dashboard/nothing.csv").status_code == 422


def test_the_leader_lands_on_the_key_figures(client: TestClient, login: Callable[[str], str]) -> None:
    login("leader")
    client.get("/dashboard")  # the month's board exists from here on
    home = client.get("/api").json()
    assert home["panels"]["figures"] is not None and home["panels"]["figures"][0]["code"] == "TOTAL"
    assert 'class="home-figures"' in client.get("/").text
