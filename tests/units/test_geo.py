"""Reading boundary files (chiso.units.geo): GeoJSON and TopoJSON accepted, anything malformed refused
whole with a located, bilingual problem; projection and SVG paths."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chiso.errors import InvalidInput
from chiso.units.geo import GeoFeature, fit_projection, parse_boundaries, svg_path


def square(lon: float, lat: float, side: float = 0.1) -> list[list[list[float]]]:
    return [[[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]]


def feature(geometry: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def collection(*features: Any) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def test_a_feature_collection_of_polygons_and_multipolygons() -> None:
    data = collection(
        feature({"type": "Polygon", "coordinates": square(108.0, 16.0)}, ma_xa="20194"),
        feature({"type": "MultiPolygon", "coordinates": [square(108.2, 16.0), square(108.4, 16.0)]}, ten="X"),
    )
    parsed = parse_boundaries(data)
    assert [f.index for f in parsed] == [0, 1]
    assert parsed[0].properties == {"ma_xa": "20194"}
    assert len(parsed[1].polygons) == 2 and parsed[1].polygons[0][0][1] == pytest.approx((108.3, 16.0))


def test_a_single_feature_and_a_bom_are_accepted() -> None:
    data = b"\xef\xbb\xbf" + json.dumps(feature({"type": "Polygon", "coordinates": square(1, 1)})).encode()
    assert len(parse_boundaries(data)) == 1


def test_topojson_with_a_quantised_transform_decodes_to_the_same_rings() -> None:
    # two squares sharing the edge x=1 (arc 1), as a TopoJSON tool writes them, delta-encoded
    topology = {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.5], "translate": [100.0, 10.0]},
        "arcs": [
            [[2, 0], [-2, 0], [0, 2], [2, 0]],  # (2,0) (0,0) (0,2) (2,2): left square's outer part
            [[2, 2], [0, -2]],  # (2,2) -> (2,0): the shared edge
            [[2, 2], [2, 0], [0, -2], [-2, 0]],  # (2,2) (4,2) (4,0) (2,0): right square's outer part
        ],
        "objects": {
            "xa": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "properties": {"ma": "A"}},
                    {"type": "MultiPolygon", "arcs": [[[2, ~1]]], "properties": {"ma": "B"}},
                ],
            }
        },
    }
    left, right = parse_boundaries(json.dumps(topology).encode(), name="x.topojson")
    assert left.properties == {"ma": "A"} and right.properties == {"ma": "B"}
    assert left.polygons[0][0] == [(101.0, 10.0), (100.0, 10.0), (100.0, 11.0), (101.0, 11.0), (101.0, 10.0)]
    assert right.polygons[0][0][0] == right.polygons[0][0][-1] == (101.0, 11.0)  # closed by the shared edge
    assert (102.0, 11.0) in right.polygons[0][0]


@pytest.mark.parametrize(
    ("geometry", "words"),
    [
        ({"type": "Point", "coordinates": [108, 16]}, "Point"),
        ({"type": "LineString", "coordinates": [[108, 16], [109, 16]]}, "LineString"),
        (None, "no geometry"),
        ({"type": "Polygon", "coordinates": [[[108, 16], [109, 16], [109, 17], [108, 17]]]}, "ring"),
        ({"type": "Polygon", "coordinates": [[[108, 16], [109, 16], [108, 16]]]}, "ring"),
        ({"type": "Polygon", "coordinates": square(200.0, 16.0)}, "out of range"),
        ({"type": "Polygon", "coordinates": square(108.0, 95.0)}, "out of range"),
        (
            {"type": "Polygon", "coordinates": [[["108", 16], [109, 16], [109, 17], ["108", 16]]]},
            "not a number",
        ),
        (
            {"type": "Polygon", "coordinates": [[[True, 16], [109, 16], [109, 17], [True, 16]]]},
            "not a number",
        ),
        ({"type": "Polygon", "coordinates": []}, "non-empty"),
        ({"type": "MultiPolygon", "coordinates": [[[[108, 16]]]]}, "ring"),
    ],
)
def test_a_bad_geometry_refuses_the_whole_file_naming_the_feature(geometry: Any, words: str) -> None:
    data = collection(feature({"type": "Polygon", "coordinates": square(108, 16)}), feature(geometry))
    with pytest.raises(InvalidInput) as caught:
        parse_boundaries(data, name="xa.geojson")
    error = caught.value
    assert "nothing was kept" in error.message_en and "không có gì được lưu" in error.message_vi
    assert [p.field for p in error.problems] == ["feature 1"]
    assert words in error.problems[0].message_en and error.problems[0].message_vi


@pytest.mark.parametrize(
    "data",
    [b"", b"not json", b"\xff\xfe", b"[1, 2]", b'{"type": "Point"}', b'{"type": "FeatureCollection"}',
     b'{"type": "FeatureCollection", "features": []}', b'{"type": "Topology", "objects": {}}',
     b"[" * 100_000],
)  # fmt: skip
def test_what_is_not_geojson_or_topojson_is_refused(data: bytes) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_boundaries(data, name="x.json")
    assert caught.value.problems and caught.value.problems[0].file == "x.json"


def test_the_size_limit_is_checked_first() -> None:
    data = collection(feature({"type": "Polygon", "coordinates": square(108, 16)}))
    with pytest.raises(InvalidInput, match="limit"):
        parse_boundaries(data, max_bytes=len(data) - 1)
    assert parse_boundaries(data, max_bytes=len(data))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=30,
)
geo_keys = st.sampled_from(["type", "features", "geometry", "coordinates", "properties", "arcs", "objects"])
geo_types = st.sampled_from(
    ["FeatureCollection", "Feature", "Polygon", "MultiPolygon", "Topology", "GeometryCollection", "Point"]
)
geo_like = st.recursive(
    st.none() | st.integers(-200, 200) | st.floats(-200, 200) | geo_types,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(geo_keys, inner, max_size=5),
    max_leaves=40,
)


typed = st.builds(lambda t, x: {"type": t, **x}, geo_types, st.dictionaries(geo_keys, geo_like, max_size=4))


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, geo_like, typed))
def test_any_json_is_read_or_refused_with_problems_never_crashes(doc: Any) -> None:
    try:
        features = parse_boundaries(json.dumps(doc).encode())
    except InvalidInput as error:
        assert error.problems and all(p.message_vi and p.message_en for p in error.problems)
        return
    for f in features:  # whatever is accepted is well formed
        assert isinstance(f, GeoFeature) and f.polygons
        for ring in (r for poly in f.polygons for r in poly):
            assert len(ring) >= 4 and ring[0] == ring[-1]
            assert all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in ring)


@given(st.binary(max_size=200))
def test_any_bytes_are_read_or_refused(data: bytes) -> None:
    try:
        parse_boundaries(data)
    except InvalidInput as error:
        assert error.problems


@settings(deadline=None)
@given(
    st.lists(st.tuples(st.floats(102, 110), st.floats(8, 23), st.floats(0.001, 1)), min_size=1, max_size=6),
    st.floats(100, 2000),
)
def test_the_projection_fits_every_point_in_the_box(
    squares: list[tuple[float, float, float]], width: float
) -> None:
    polygons = [[[(x, y) for x, y in square(lon, lat, side)[0]]] for lon, lat, side in squares]
    project = fit_projection(polygons, width=width)
    assert max(project.width, project.height) == pytest.approx(width, rel=1e-6)
    for poly in polygons:
        for x, y in (project(*p) for p in poly[0]):
            assert -1e-6 <= x <= project.width + 1e-6 and -1e-6 <= y <= project.height + 1e-6
    path = svg_path(polygons, project)
    assert path.count("M") <= len(polygons) and (path == "" or path.endswith("Z"))


def test_north_is_up_and_detail_below_half_a_unit_is_dropped() -> None:
    ring = [(108.0, 16.0), (108.1, 16.0), (108.1000001, 16.0), (108.1, 16.1), (108.0, 16.1), (108.0, 16.0)]
    project = fit_projection([[ring]], width=100)
    assert project(108.0, 16.1)[1] == pytest.approx(0) and project(108.0, 16.0)[1] > 0
    path = svg_path([[ring]], project)
    assert (
        path.startswith("M") and path.count("L") == 3
    )  # the near-duplicate point and the closing one go (Z closes)
