"""The built-in frameworks load, validate and carry exactly the pinned codes and points."""

from __future__ import annotations

import pytest

from chiso.frameworks import BUILTIN_IDS, check_framework, list_builtin_frameworks, load_framework, node_max

QD766 = {
    "TRANSPARENCY": {
        "PUBLISH_ON_TIME": 6,
        "PUBLIC_UPDATE_ON_TIME": 4,
        "PUBLIC_CONTENT_FULL": 2,
        "DOSSIER_SYNC": 6,
    },
    "TIMELINESS_GROUP": {"TIMELINESS": 20},
    "ONLINE": {"ONLINE_FULL_DOSSIER_RATE": 4, "ONLINE_PROCEDURE_RATE": 4, "ONLINE_SUBMISSION_RATE": 4},
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
    "PAYMENT": {"PAYMENT_DOSSIERS": 6, "PAYMENT_PROCEDURES": 2, "PAYMENT_FEE_COVERAGE": 2.5},
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
    import hashlib
    import json

    from chiso.frameworks import framework_from_dict
    from chiso.frameworks.schema import LATER_NODE_FIELDS

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
