"""The uncertainty spec beside a framework: found, checked against the framework, or the default."""

from __future__ import annotations

from pathlib import Path

import pytest

from chiso.errors import InvalidInput, NotFound
from chiso.frameworks import load_framework, load_uncertainty, uncertainty_path


def test_the_spec_beside_a_framework_file_is_found_and_checked(tmp_path: Path) -> None:
    source = tmp_path / "my-index.yaml"
    source.write_text("id: my-index\n", encoding="utf-8")  # only its name matters here
    framework = load_framework("qd766")
    assert uncertainty_path(source) is None
    default = load_uncertainty(framework, framework_source=source)
    assert [f.kind for f in default.factors] == ["weights", "missing"]  # qd766 has no assessor leaf
    beside = tmp_path / "my-index.uncertainty.yaml"
    beside.write_text(
        "replications: 500\nseed: 4\nfactors:\n  - {kind: measurement, leaves: [TIMELINESS], error: 0.01}\n",
        encoding="utf-8",
    )
    assert uncertainty_path(source) == beside
    spec = load_uncertainty(framework, framework_source=source)
    assert spec.replications == 500 and spec.seed == 4 and spec.factors[0].kind == "measurement"
    beside.write_text("factors:\n  - {kind: measurement, leaves: [NOPE], error: 0.01}\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_uncertainty(framework, framework_source=source)
    assert "no node 'NOPE'" in str(info.value) and "my-index.uncertainty.yaml" in str(info.value)
    with pytest.raises(NotFound):
        load_uncertainty(framework, tmp_path / "none.yaml")


def test_the_default_spec_varies_assessors_where_the_framework_has_them() -> None:
    spec = load_uncertainty(load_framework("danang-it"))
    assert [f.kind for f in spec.factors] == ["weights", "missing", "assessor"]
    assert uncertainty_path("qd766") is None  # no spec ships beside the built-ins
