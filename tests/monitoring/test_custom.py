"""Custom metrics: the safe expression parser, the schema check, and compiled metrics that run."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from metric_data import compute, counts, dossiers, petitions

from chiso.errors import InvalidInput
from chiso.monitoring.custom import check_custom_metrics, load_custom_metrics, parse_custom_metrics
from chiso.monitoring.custom.check import check_expression
from chiso.monitoring.custom.syntax import (
    Binary,
    Column,
    ExpressionError,
    InList,
    IsNull,
    Literal,
    parse_expression,
)


def test_precedence_and_or_not_comparison_arithmetic() -> None:
    tree = parse_expression("not a == 1 or b + 2 * c > 3 and d is not null")
    assert isinstance(tree, Binary) and tree.op == "or"
    right = tree.right
    assert isinstance(right, Binary) and right.op == "and"
    gt = right.left
    assert isinstance(gt, Binary) and gt.op == ">"
    plus = gt.left
    assert isinstance(plus, Binary) and plus.op == "+"
    assert isinstance(plus.right, Binary) and plus.right.op == "*"
    assert isinstance(right.right, IsNull) and right.right.negated


def test_in_lists_and_literals() -> None:
    tree = parse_expression("channel not in ('online', \"postal\")")
    assert isinstance(tree, InList) and tree.negated
    assert [i.value for i in tree.items] == ["online", "postal"]
    assert isinstance(tree.operand, Column)
    lit = parse_expression("-2.5")
    assert not isinstance(lit, Literal) or lit.value == -2.5


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("status = 'finished' and", "Unexpected end of expression", 23),
        ("statuss == 'finished'", "No column 'statuss'", 0),
        ("status == 'finised'", "Value 'finised' is not allowed in column status", 10),
        ("paused_days + 'x' > 1", "works on numbers", 14),
        ("full_online and paused_days", "needs true/false", 16),
        ("received_at > 3", "Cannot compare timestamp with number", 12),
        ("__import__('os').system('ls')", "Unexpected character '.'", 16),
        ("__import__('os')", "No function '__import__'", 0),
        ("status == 'a'; drop", "Unexpected character ';'", 13),
        ("eval(status)", "No function 'eval'", 0),
        ("lower(paused_days) == 'x'", "lower needs a string", 6),
    ],
)
def test_errors_name_the_problem_and_its_position(text: str, message: str, position: int) -> None:
    with pytest.raises(ExpressionError) as exc:
        check_expression(parse_expression(text), "dossiers")
    assert message in exc.value.message_en
    assert exc.value.pos == position


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdefinotrsul_ ()=<>!,'0123456789.+-*/\"", max_size=40))
def test_arbitrary_text_either_parses_or_raises_an_expression_error(text: str) -> None:
    try:
        check_expression(parse_expression(text), "dossiers")
    except ExpressionError:
        pass


def test_custom_metrics_run_like_built_ins() -> None:
    spec = {
        "metrics": [
            {
                "code": "FINISHED_WITHIN_4H",
                "name_vi": "Hồ sơ giải quyết trong 4 giờ",
                "where": "status == 'finished'",
                "numerator": "hours_between(received_at, finished_at) <= 4",
            },
            {
                "code": "ONLINE_WITH_FEE",
                "numerator": "channel == 'online' and fee_required",
                "denominator": "fee_required",
            },
            {
                "code": "STAFF_PETITIONS",
                "source": "petitions",
                "numerator": "category == 'staff'",
                "zero_policy": "full",
            },
            {"code": "RECEIVED_MORNING", "numerator": "received_at < '2026-08-03 12:00'"},
        ]
    }
    metrics, problems = parse_custom_metrics(spec)
    assert problems == []
    result = compute(
        dossiers(
            {"status": "finished", "received_at": "2026-08-03 08:00", "finished_at": "2026-08-03 11:30"},
            {"status": "finished", "received_at": "2026-08-03 08:00", "finished_at": "2026-08-03 12:30"},
            {"channel": "online", "fee_required": True, "received_at": "2026-08-04 09:00"},
            {"fee_required": True},
        ),
        petition_rows=petitions({"category": "staff"}, {"category": "other"}),
        metrics=metrics,
    )
    assert counts(result, "A", "FINISHED_WITHIN_4H") == (1, 2)
    assert counts(result, "A", "ONLINE_WITH_FEE") == (1, 2)
    assert counts(result, "A", "STAFF_PETITIONS") == (1, 2)
    assert counts(result, "A", "RECEIVED_MORNING") == (3, 4)  # the default dossier came at 09:00


def test_a_file_with_problems_lists_them_all(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "metrics:\n"
        "  - code: TIMELINESS\n    numerator: 'true'\n"
        "  - code: bad code\n    numerator: 'status == 1'\n"
        "  - code: OK_ONE\n    source: documents\n    numerator: 'true'\n"
        "  - code: NO_NUM\n    colour: red\n",
        encoding="utf-8",
    )
    problems = check_custom_metrics(path)
    fields = [p.field for p in problems]
    assert "metrics[0].code" in fields  # a built-in code
    assert "metrics[1].code" in fields and "metrics[1].numerator" in fields
    assert "metrics[2].source" in fields
    assert "metrics[3].colour" in fields and "metrics[3].numerator" in fields
    with pytest.raises(InvalidInput):
        load_custom_metrics(path)


def test_load_a_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("metrics:\n  - code: SIGNED\n    numerator: e_result and not digitised\n")
    (metric,) = load_custom_metrics(path)
    assert (metric.code, metric.family, metric.source) == ("SIGNED", "custom", "dossiers")
    assert metric.zero_policy == "zero"
