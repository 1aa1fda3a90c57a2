"""Imported frameworks are stored per version beside the built-ins and never overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from framework_data import frameworks
from hypothesis import given, settings

from chiso.errors import Conflict, InvalidInput, NotFound
from chiso.frameworks import BUILTIN_IDS, Framework, framework_from_dict, list_frameworks, load_framework
from chiso.frameworks.library import dump_framework_yaml, save_framework


@pytest.mark.parametrize("framework_id", BUILTIN_IDS)
def test_the_yaml_dump_loads_back_identical(framework_id: str) -> None:
    framework = load_framework(framework_id)
    assert framework_from_dict(yaml.safe_load(dump_framework_yaml(framework))) == framework


@settings(max_examples=30)
@given(frameworks())
def test_generated_frameworks_dump_and_load_identical(framework: Framework) -> None:
    assert framework_from_dict(yaml.safe_load(dump_framework_yaml(framework))) == framework


def _newer(framework: Framework, version: str, **changes: object) -> Framework:
    return framework.model_copy(update={"version": version, **changes})


def test_save_list_and_load_versions(tmp_path: Path) -> None:
    library = tmp_path / "frameworks"
    danang = load_framework("danang-it")
    assert save_framework(danang, library).status == "builtin"  # the built-in itself: nothing to store
    with pytest.raises(Conflict, match="give it a new version"):
        save_framework(danang.model_copy(update={"name_vi": "Sửa"}), library)
    first = save_framework(_newer(danang, "2026.2"), library)
    second = save_framework(_newer(danang, "2026.10"), library)
    assert first.status == second.status == "created" and first.path == library / "danang-it@2026.2.yaml"
    assert save_framework(_newer(danang, "2026.2"), library).status == "unchanged"
    with pytest.raises(Conflict, match="already imported"):
        save_framework(_newer(danang, "2026.2", name_en="other"), library)
    assert (
        load_framework("danang-it", directory=library).version == "2022.1"
    )  # a built-in id keeps its meaning
    assert load_framework("danang-it@2026.2", directory=library).version == "2026.2"
    assert [f"{f.id}@{f.version}" for f in list_frameworks(library)][-2:] == [
        "danang-it@2026.2",
        "danang-it@2026.10",
    ]
    other = _newer(danang, "1", id="tinh-x")
    save_framework(other, library)
    assert load_framework("tinh-x", directory=library) == other
    assert save_framework(_newer(other, "2"), library, dry_run=True).status == "dry_run"
    assert not (library / "tinh-x@2.yaml").exists()
    with pytest.raises(NotFound, match="tinh-x@1"):
        load_framework("tinh-x@9", directory=library)


def test_unsafe_ids_and_mislabelled_files_are_refused(tmp_path: Path) -> None:
    danang = load_framework("danang-it")
    with pytest.raises(InvalidInput, match="letters, digits"):
        save_framework(_newer(danang, "../../etc"), tmp_path)
    (tmp_path / "x@1.yaml").write_text(dump_framework_yaml(_newer(danang, "2", id="y")), encoding="utf-8")
    with pytest.raises(InvalidInput, match="holds y@2, not x@1"):
        load_framework("x@1", directory=tmp_path)
