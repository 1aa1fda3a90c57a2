"""Browser test: the commune map on the demo, at 1400 and 390 px wide.

Without a boundary file /map is a tile grid (one tile per commune-level unit, grouped by former
district) that opens a unit's scorecard. The secretariat then uploads a small GeoJSON this test builds:
four squares carrying demo commune codes (one by name only) and one feature that matches nothing, which
the upload page lists by index and name; /map then draws the four squares coloured by the published
total, and clicking one opens that unit's scorecard. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_site import SCREENSHOTS, demo_env, log_in

from chiso.web.launch import served

pytestmark = pytest.mark.browser
SIZES = [(1400, 1000), (390, 844)]
UNMATCHED = "Xã Không Có Thật"


@pytest.fixture(scope="module")
def server(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("map") / "var"
    with served(demo_env(demo_template, data_dir), data_dir / "serve.log") as url:
        yield url


def _square(lon: float, lat: float, side: float = 0.04) -> list[list[list[float]]]:
    return [[[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]]


def _geojson(units: list[dict[str, Any]]) -> bytes:
    """Four squares in a 2 x 2 block for four units (the last by its name only), and one stray square."""
    features = []
    for i, unit in enumerate(units[:4]):
        props: dict[str, Any] = {"ten": unit["name_vi"].removeprefix("UBND ")}
        if i < 3:
            props["ma_xa"] = int(unit["unit_code"])  # a number, as many GIS exports write it
        geometry = {
            "type": "Polygon",
            "coordinates": _square(108.1 + 0.045 * (i % 2), 16.0 + 0.045 * (i // 2)),
        }
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    stray = {"type": "MultiPolygon", "coordinates": [_square(108.2, 16.0, 0.02)]}
    features.append({"type": "Feature", "properties": {"ten": UNMATCHED}, "geometry": stray})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def _open(browser: Any, width: int, height: int) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return context, page, errors


def _sideways(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_without_a_map_the_units_are_tiles(server: str, browser: Any, width: int, height: int) -> None:
    context, page, errors = _open(browser, width, height)
    twin = json.loads(page.context.request.get(f"{server}/api/map").text())
    assert twin["map"] is None and twin["source"] == "index"
    page.goto(f"{server}/map")
    assert page.locator("nav a[href='/map']").get_attribute("aria-current") == "page"
    assert page.locator("svg.unit-map").count() == 0
    tiles = page.locator(".tile-grid .tile")
    assert tiles.count() == len(twin["units"]) > 50  # one tile per commune-level unit
    assert page.locator(".tile-group h2").count() > 5  # grouped by former district
    assert page.locator(".map-legend li").count() >= 5
    assert page.locator("table.map-values tbody tr").count() == len(twin["units"])
    sideways = _sideways(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"map-tiles-{width}.png"), full_page=True)
    tile = page.locator(".tile-grid a.tile").first
    code = tile.get_attribute("data-code")
    with page.expect_navigation():
        tile.click()
    assert f"/agencies/{code}/scorecard" in page.url and "Phiếu điểm" in page.locator("h1").inner_text()
    context.close()
    assert sideways <= 0, f"the page scrolls sideways by {sideways}px at {width}px"
    assert not errors, f"console errors: {errors}"


@pytest.fixture(scope="module")
def uploaded_map(server: str, browser: Any, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The secretariat's upload, once per server (xdist may run the choropleth test on a worker of its
    own); returns the console errors the upload page showed."""
    tmp_path = tmp_path_factory.mktemp("geojson")
    units = [u for u in json.loads(browser.new_context().request.get(f"{server}/api/map").text())["units"]
             if u["value"] is not None]  # fmt: skip
    chosen = units[:4]
    context, page, errors = _open(browser, 1400, 1000)
    log_in(page, server, "vanthu")
    page.goto(f"{server}/map/upload")
    bad = tmp_path / "hong.geojson"
    bad.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point"}}]}'
    )
    page.set_input_files("input[name=file]", str(bad))
    with page.expect_navigation():
        page.click("form.stacked button[type=submit]")
    assert "Point" in page.locator(".flash.error").inner_text()  # the error in place, the form still there
    assert page.locator("form.stacked input[name=file]").count() == 1
    good = tmp_path / "xa-phuong.geojson"
    good.write_bytes(_geojson(chosen))
    page.set_input_files("input[name=file]", str(good))
    with page.expect_navigation():
        page.click("form.stacked button[type=submit]")
    assert "4 / 5" in page.locator(".flash.ok").inner_text()
    unmatched = page.locator("table.map-match tr.unmatched")
    assert unmatched.count() == 1 and UNMATCHED in unmatched.inner_text() and "4" in unmatched.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "map-upload-1400.png"), full_page=True)
    context.close()
    return errors


def test_the_secretariat_uploads_a_map_and_it_is_drawn(uploaded_map: list[str]) -> None:
    unexpected = [e for e in uploaded_map if "status of 422" not in e]  # the refused file answers 422
    assert not unexpected, f"console errors: {unexpected}"


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_choropleth_opens_a_scorecard(
    server: str, browser: Any, width: int, height: int, uploaded_map: list[str]
) -> None:
    context, page, errors = _open(browser, width, height)
    twin = json.loads(page.context.request.get(f"{server}/api/map").text())
    assert twin["map"] is not None
    drawn = [u for u in twin["units"] if u["path"]]
    assert len(drawn) == 4 and twin["map"]["unmatched"][0]["label"] == UNMATCHED
    page.goto(f"{server}/map")
    shapes = page.locator("svg.unit-map path")
    assert shapes.count() == 4
    fills = {shapes.nth(i).get_attribute("fill") for i in range(4)}
    assert "#e4e7eb" not in fills  # each drawn unit has a published total, so a colour
    box = page.locator("svg.unit-map").bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 150
    page.locator("details.map-report summary").click()  # the match report opens under the table
    assert UNMATCHED in page.locator("details.map-report").inner_text()
    sideways = _sideways(page)
    page.screenshot(path=str(SCREENSHOTS / f"map-choropleth-{width}.png"), full_page=True)
    page.goto(f"{server}/map?indicator=band")
    assert page.locator("svg.unit-map path").count() == 4
    page.screenshot(path=str(SCREENSHOTS / f"map-bands-{width}.png"), full_page=True)
    link = page.locator("svg.unit-map a").first
    code = link.locator("path").get_attribute("data-code")
    with page.expect_navigation():
        link.click()
    assert f"/agencies/{code}/scorecard" in page.url and "Phiếu điểm" in page.locator("h1").inner_text()
    context.close()
    assert sideways <= 0, f"the page scrolls sideways by {sideways}px at {width}px"
    assert not errors, f"console errors: {errors}"
