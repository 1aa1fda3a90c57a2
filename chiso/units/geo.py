"""Reading a boundary file (GeoJSON or TopoJSON) into checked polygons, and drawing them as SVG paths.

Domain helper of the units room: pure functions on bytes and lists; imports chiso.errors only, touches
no database, file or clock. chiso ships no boundaries (no licence covers the 2025 communes offline), so
the secretariat uploads one; everything in it is checked here before anything is kept: JSON shape,
geometry types (Polygon, MultiPolygon), numeric coordinates in range, closed rings, size. Any problem
refuses the whole file (all or nothing), each problem located by feature index.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from chiso.errors import InvalidInput, Problem

MAX_FEATURES = 20_000
MAX_POSITIONS = 3_000_000  # a detailed province (~100 communes) has a few hundred thousand
SHOWN_PROBLEMS = 20
Ring = list[tuple[float, float]]
Polygon = list[Ring]  # the outer ring, then its holes


@dataclass
class GeoFeature:
    """One feature of the file: its position (0-based), its properties and its polygons (lon, lat)."""

    index: int
    properties: dict[str, Any]
    polygons: list[Polygon] = field(default_factory=list)


class _Bad(Exception):
    """One problem with one feature (message in both languages)."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi, self.en = vi, en


def _refuse(name: str, problems: list[Problem], total: int | None = None) -> InvalidInput:
    count = total if total is not None else len(problems)
    return InvalidInput(
        f"Tệp bản đồ {name} không hợp lệ ({count} lỗi); không có gì được lưu",
        f"The map file {name} is not valid ({count} problem{'s' if count != 1 else ''}); nothing was kept",
        problems[:SHOWN_PROBLEMS],
    )


def _whole(name: str, vi: str, en: str) -> InvalidInput:
    return _refuse(name, [Problem(vi, en, file=name)])


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad(
            f"tọa độ không phải số: {str(value)[:30]!r}", f"a coordinate is not a number: {str(value)[:30]!r}"
        )
    number = float(value)
    if not math.isfinite(number):
        raise _Bad("tọa độ không hữu hạn", "a coordinate is not finite")
    return number


def _position(value: Any) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) < 2:
        raise _Bad("một điểm phải là [kinh độ, vĩ độ]", "a position must be [longitude, latitude]")
    lon, lat = _number(value[0]), _number(value[1])
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise _Bad(
            f"tọa độ ngoài phạm vi: [{lon}, {lat}] (kinh độ -180..180, vĩ độ -90..90; cần WGS 84)",
            f"coordinates out of range: [{lon}, {lat}] (longitude -180..180, latitude -90..90; WGS 84)",
        )
    return lon, lat


def _ring(points: Ring) -> Ring:
    if len(points) < 4 or points[0] != points[-1]:
        raise _Bad(
            "mỗi vòng ranh giới cần ít nhất 4 điểm và điểm cuối trùng điểm đầu",
            "each boundary ring needs at least 4 positions, the last one equal to the first",
        )
    return points


def _list(value: Any, what_vi: str, what_en: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise _Bad(f"{what_vi} phải là một mảng không rỗng", f"{what_en} must be a non-empty array")
    return value


def _polygon_parts(kind: Any, parts: Any, what_vi: str, what_en: str) -> list[Any]:
    """Return a Polygon's or MultiPolygon's parts as a list of polygons (`what` names a MultiPolygon's)."""
    if kind == "Polygon":
        return [parts]
    if kind == "MultiPolygon":
        return _list(parts, what_vi, what_en)
    raise _Bad(
        f"kiểu hình {kind!r} không được hỗ trợ (chỉ Polygon, MultiPolygon)",
        f"geometry type {kind!r} is not supported (Polygon or MultiPolygon only)",
    )


def _properties(raw: dict[str, Any]) -> dict[str, Any]:
    props = raw.get("properties")
    if props is not None and not isinstance(props, dict):
        raise _Bad("properties phải là một đối tượng", "properties must be an object")
    return dict(props or {})


def _geojson_polygons(geometry: Any) -> list[Polygon]:
    if not isinstance(geometry, dict):
        raise _Bad("đối tượng không có hình (geometry)", "the feature has no geometry")
    coords = geometry.get("coordinates")
    polys = _polygon_parts(geometry.get("type"), coords, "tọa độ MultiPolygon", "MultiPolygon coordinates")
    out: list[Polygon] = []
    for poly in polys:
        rings = _list(poly, "một đa giác", "a polygon")
        out.append([_ring([_position(p) for p in _list(r, "một vòng", "a ring")]) for r in rings])
    return out


def _check_feature(index: int, raw: Any) -> GeoFeature:
    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        raise _Bad('phần tử không phải "Feature"', 'the element is not a "Feature"')
    props = _properties(raw)
    return GeoFeature(index, props, _geojson_polygons(raw.get("geometry")))


# --------------------------------------------------------------------------- TopoJSON


def _arcs(topology: dict[str, Any]) -> list[Ring]:
    """Decode the topology's arcs to (lon, lat) points, undoing the quantisation when there is one."""
    raw = topology.get("arcs")
    if not isinstance(raw, list):
        raise _Bad('TopoJSON cần mảng "arcs"', 'a TopoJSON needs an "arcs" array')
    transform = topology.get("transform")
    scale, shift = (1.0, 1.0), (0.0, 0.0)
    if transform is not None:
        try:
            scale = (_number(transform["scale"][0]), _number(transform["scale"][1]))
            shift = (_number(transform["translate"][0]), _number(transform["translate"][1]))
        except (KeyError, IndexError, TypeError) as exc:
            raise _Bad(
                '"transform" cần "scale" và "translate"', '"transform" needs "scale" and "translate"'
            ) from exc
    arcs: list[Ring] = []
    for arc in raw:
        x = y = 0.0
        points: Ring = []
        for pos in _list(arc, "một cung (arc)", "an arc"):
            if not isinstance(pos, list) or len(pos) < 2:
                raise _Bad("một điểm phải là [x, y]", "a position must be [x, y]")
            dx, dy = _number(pos[0]), _number(pos[1])
            if transform is not None:
                x, y = x + dx, y + dy
                points.append(_position([x * scale[0] + shift[0], y * scale[1] + shift[1]]))
            else:
                points.append(_position([dx, dy]))
        arcs.append(points)
    return arcs


def _topo_ring(indexes: Any, arcs: list[Ring]) -> Ring:
    points: Ring = []
    for i in _list(indexes, "một vòng", "a ring"):
        if isinstance(i, bool) or not isinstance(i, int) or not -len(arcs) <= i < len(arcs):
            raise _Bad(f"chỉ số cung {i!r} không có trong arcs", f"arc index {i!r} is not in arcs")
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc if not points else arc[1:])
    return _ring(points)


def _topo_geometries(topology: dict[str, Any]) -> Iterator[Any]:
    objects = topology.get("objects")
    if not isinstance(objects, dict) or not objects:
        raise _Bad('TopoJSON cần "objects"', 'a TopoJSON needs "objects"')
    for obj in objects.values():
        if isinstance(obj, dict) and obj.get("type") == "GeometryCollection":
            yield from obj.get("geometries") or []
        else:
            yield obj


def _check_topo(index: int, geom: Any, *, arcs: list[Ring]) -> GeoFeature:
    if not isinstance(geom, dict):
        raise _Bad("hình không phải một đối tượng", "the geometry is not an object")
    props = _properties(geom)
    polys = _polygon_parts(geom.get("type"), geom.get("arcs"), "arcs của MultiPolygon", "MultiPolygon arcs")
    polygons = [[_topo_ring(r, arcs) for r in _list(p, "một đa giác", "a polygon")] for p in polys]
    return GeoFeature(index, props, polygons)


# --------------------------------------------------------------------------- entry point


def parse_boundaries(
    data: bytes, *, name: str = "map.geojson", max_bytes: int | None = None
) -> list[GeoFeature]:
    """Read a GeoJSON (FeatureCollection or Feature) or TopoJSON file into checked features.

    Args:
        data: the file's bytes (UTF-8 JSON).
        name: the file name, for messages.
        max_bytes: refuse a larger file (the upload limit); None: no limit here.

    Returns:
        The features in file order, each with its index, properties and polygons in (lon, lat).

    Raises:
        InvalidInput: not JSON, not GeoJSON/TopoJSON, too large, or any feature with a bad geometry
            (every problem listed by feature index; nothing is returned in part).
    """
    if max_bytes is not None and len(data) > max_bytes:
        mb = max_bytes // (1024 * 1024)
        raise _whole(name, f"tệp lớn hơn giới hạn {mb} MB", f"the file is larger than the {mb} MB limit")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _whole(
            name,
            f"tệp không phải JSON hợp lệ ({str(exc)[:80]})",
            f"the file is not valid JSON ({str(exc)[:80]})",
        ) from None
    kind = doc.get("type") if isinstance(doc, dict) else None
    check: Callable[[int, Any], GeoFeature] = _check_feature
    try:
        if kind == "FeatureCollection":
            items = _list(doc.get("features"), '"features"', '"features"')
        elif kind == "Feature":
            items = [doc]
        elif kind == "Topology":
            arcs = _arcs(doc)
            items = list(_topo_geometries(doc))
            check = functools.partial(_check_topo, arcs=arcs)
        else:
            raise _Bad(
                'tệp phải là GeoJSON ("FeatureCollection", "Feature") hoặc TopoJSON ("Topology")',
                'the file must be GeoJSON ("FeatureCollection", "Feature") or TopoJSON ("Topology")',
            )
    except _Bad as bad:
        raise _whole(name, bad.vi, bad.en) from None
    if len(items) > MAX_FEATURES:
        raise _whole(name, f"quá nhiều đối tượng ({len(items)} > {MAX_FEATURES})",
                     f"too many features ({len(items)} > {MAX_FEATURES})")  # fmt: skip
    features: list[GeoFeature] = []
    problems: list[Problem] = []
    positions = 0
    for index, item in enumerate(items):
        try:
            feature = check(index, item)
        except _Bad as bad:
            problems.append(Problem(bad.vi, bad.en, file=name, field=f"feature {index}"))
            continue
        positions += sum(len(r) for p in feature.polygons for r in p)
        if positions > MAX_POSITIONS:
            raise _whole(name, f"quá nhiều điểm (> {MAX_POSITIONS:,}); hãy đơn giản hóa ranh giới",
                         f"too many positions (> {MAX_POSITIONS:,}); simplify the boundaries")  # fmt: skip
        features.append(feature)
    if problems:
        raise _refuse(name, problems)
    return features


# --------------------------------------------------------------------------- drawing


@dataclass(frozen=True)
class Projection:
    """Equirectangular, scaled to a bounding box: x = (lon - west) cos(mid-lat) k, y = (north - lat) k."""

    west: float
    north: float
    kx: float
    ky: float
    width: float
    height: float

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.west) * self.kx, (self.north - lat) * self.ky


def fit_projection(polygons: list[Polygon], *, width: float = 1000.0) -> Projection:
    """Return the projection that fits every point of `polygons` into `width` (height as it falls)."""
    lons = [p[0] for poly in polygons for ring in poly for p in ring]
    lats = [p[1] for poly in polygons for ring in poly for p in ring]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    squash = math.cos(math.radians((north + south) / 2))
    span = max((east - west) * squash, north - south, 1e-9)
    k = width / span
    return Projection(west, north, k * squash, k, (east - west) * squash * k, (north - south) * k)


def svg_path(polygons: list[Polygon], project: Projection) -> str:
    """Return an SVG path ("M..Z" per ring) of the polygons, points 0.5 unit apart or more (a 1000-wide
    map needs no more detail), so a detailed file draws with a small page."""
    parts: list[str] = []
    for poly in polygons:
        for ring in poly:
            kept: list[tuple[float, float]] = []
            for lon, lat in ring:
                x, y = project(lon, lat)
                if kept and abs(x - kept[-1][0]) < 0.5 and abs(y - kept[-1][1]) < 0.5:
                    continue
                kept.append((x, y))
            if len(kept) > 1 and abs(kept[-1][0] - kept[0][0]) < 0.5 and abs(kept[-1][1] - kept[0][1]) < 0.5:
                kept.pop()  # "Z" closes the ring
            if len(kept) >= 3:
                parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in kept) + "Z")
    return "".join(parts)
