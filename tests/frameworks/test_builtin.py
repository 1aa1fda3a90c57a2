"""The built-in frameworks load, validate and carry exactly the pinned codes and points."""

from __future__ import annotations

import hashlib
import json

import pytest

from chiso.frameworks import (
    BUILTIN_IDS,
    check_framework,
    framework_from_dict,
    list_builtin_frameworks,
    load_framework,
    node_max,
)
from chiso.frameworks.schema import LATER_NODE_FIELDS

QD766 = {
    "TRANSPARENCY": {
        "PUBLISH_ON_TIME": 6,
        "PUBLIC_UPDATE_ON_TIME": 4,
        "PUBLIC_CONTENT_FULL": 2,
        "DOSSIER_SYNC": 6,
    },
    "TIMELINESS_GROUP": {"TIMELINESS": 20},
    "ONLINE": {
        "ONLINE_PROCEDURE_RATE": 4,
        "ONLINE_SERVICE_USED": 4,
        "ONLINE_SUBMISSION_RATE": 4,
        "ONLINE_FULL_DOSSIER_RATE": 0,  # monitoring only, as the portal
    },
    "DIGITISATION": {
        "ORIGINAL_RESULT_AVAILABLE": 6,
        "SO_HOA_GIAY_TO_GIAI_QUYET": 4,
        "ELECTRONIC_CERTIFIED_COPY": 2,
        "REUSED_DIGITIZED_DATA": 2,
        "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": 4,
        "CITIZEN_DATA_CONNECTED_DOSSIER": 2,
        "CITIZEN_DATA_CONNECTED_FORMALITY": 2,
    },
    "SATISFACTION": {
        "PETITION_PROCESSING_ON_TIME": 6,
        "PETITION_HANDLING_SATISFACTION": 6,
        "DOSSIER_RECEIVING_SATISFACTION": 6,
        "PETITION_BY_PROCEDURE": 0,
        "PETITION_BY_STAFF": 0,
    },
    "PAYMENT": {"PAYMENT_DOSSIERS": 6, "PAYMENT_PROCEDURES": 2, "PAYMENT_FEE_COVERAGE": 2},
}


@pytest.mark.parametrize("framework_id", BUILTIN_IDS)
def test_builtins_are_sound(framework_id: str) -> None:
    assert check_framework(framework_id) == []
    assert load_framework(framework_id).id == framework_id


def test_qd766_has_exactly_the_pinned_groups_leaves_and_points() -> None:
    framework = load_framework("qd766")
    got = {g.code: {leaf.code: leaf.max_points for leaf in g.children} for g in framework.nodes}
    assert got == QD766
    assert {g.code: node_max(g) for g in framework.nodes} == {
        "TRANSPARENCY": 18,
        "TIMELINESS_GROUP": 20,
        "ONLINE": 12,
        "DIGITISATION": 22,
        "SATISFACTION": 18,
        "PAYMENT": 10,
    }
    assert node_max(framework.root()) == 100


def test_dti_has_the_nine_main_indices_in_methodology_order() -> None:
    framework = load_framework("dti-province-2022")
    assert [(n.code, n.max_points) for n in framework.leaves()] == [
        ("NTS", 100),
        ("TCS", 100),
        ("HTS", 100),
        ("NLS", 100),
        ("ATTT", 100),
        ("DTTM", 0),
        ("CQS", 200),
        ("KTS", 150),
        ("XHS", 150),
    ]
    assert framework.display_divisor == 1000


def test_danang_bands_and_bonus_penalty() -> None:
    framework = load_framework("danang-it")
    assert [(b.label_vi, b.min) for b in framework.bands] == [
        ("Tốt", 80),
        ("Khá", 65),
        ("Trung bình", 50),
        ("Yếu", None),
    ]
    assert {leaf.rule.type for leaf in framework.leaves() if leaf.rule} >= {
        "bonus_penalty",
        "assessor",
        "yes_no",
    }


def test_list_builtin_frameworks() -> None:
    assert [f.id for f in list_builtin_frameworks()] == list(BUILTIN_IDS)


def test_fields_added_later_do_not_change_the_hash_of_documents_without_them() -> None:
    """Run logs and published snapshots hashed a framework before `unit`, `evidence_*` and `previous_code`."""

    def legacy(nodes: list[dict[str, object]]) -> list[dict[str, object]]:
        return [
            {**{k: v for k, v in n.items() if k not in LATER_NODE_FIELDS}, "children": legacy(n["children"])}  # type: ignore[arg-type]
            for n in nodes
        ]

    framework = load_framework("qd766")
    stripped = framework.model_dump(mode="json")
    stripped["nodes"] = legacy(stripped["nodes"])
    bare = framework_from_dict(stripped)
    text = json.dumps(stripped, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert bare.content_hash() == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert framework.content_hash() != bare.content_hash()  # qd766 declares units: they count


@pytest.mark.parametrize("framework_id", BUILTIN_IDS)
def test_every_criterion_has_guidance_a_unit_and_a_plausible_range(framework_id: str) -> None:
    framework = load_framework(framework_id)
    for leaf in framework.leaves():
        assert leaf.guidance_vi and leaf.guidance_en, leaf.code
        assert leaf.unit is not None, leaf.code
        assert leaf.rule is not None
        if leaf.unit not in ("yes_no", "points"):
            assert leaf.rule.value_min is not None and leaf.rule.value_max is not None, leaf.code
        if framework_id != "qd766":  # 766 figures are measured from the portal's data, not uploaded
            assert leaf.evidence_vi and len(leaf.evidence_en) == len(leaf.evidence_vi), leaf.code


def test_the_2025_province_dti_has_eight_main_indices_in_two_groups() -> None:
    framework = load_framework("dti-province-2025")
    groups = {g.code: [leaf.code for leaf in g.children] for g in framework.nodes}
    assert groups == {"NEN_TANG": ["NTS", "TCS", "HTS", "NLS", "ATTT"], "HOAT_DONG": ["CQS", "KTS", "XHS"]}
    assert node_max(framework.root()) == 1000 and framework.display_divisor == 1000
    assert "editable default" in framework.description and framework.decision.startswith("405/QĐ-BKHCN")


@pytest.mark.parametrize(
    ("framework_id", "mains", "criteria"),
    [("cds-departments-2025", 6, 32), ("cds-communes-2025", 8, 42), ("danang-cds-2025", 8, 27)],
)
def test_agency_templates_have_the_published_shape(framework_id: str, mains: int, criteria: int) -> None:
    framework = load_framework(framework_id)
    assert len(framework.nodes) == mains and len(framework.leaves()) == criteria
    assert node_max(framework.root()) >= 100 and framework.max_points == 100
    assert "editable default" in framework.description


def test_danang_2025_digital_society_is_for_wards_and_communes_only() -> None:
    framework = load_framework("danang-cds-2025")
    assert [n.code for n in framework.nodes] == [
        "NTS",
        "TCS",
        "HTS",
        "UD",
        "DVC",
        "NLS",
        "XHS",
        "THUONG_PHAT",
    ]
    assert framework.node("XHS").agency_kinds == ["commune"] and len(framework.bands) == 6
