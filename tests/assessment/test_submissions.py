"""Self-assessment: typed values, idempotent autosave, required check, deadlines, computed values, access."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from assess_helpers import FULL_VALUES, SUBMIT_BY, later
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.assessment import periods, submissions
from chiso.assessment.audit import list_audit
from chiso.assessment.computed import (
    ComputedValue,
    Lineage,
    lineage_source,
    parse_lineage,
    set_computed_values,
)
from chiso.assessment.form import load_form
from chiso.assessment.schemas import ValueInput
from chiso.assessment.values import clean_value
from chiso.errors import Conflict, InvalidInput, PermissionDenied

P = "DNG-2026"


def save(db: Session, values: dict, user, agency: str = "DNG.SO.A", **kw):
    return submissions.save_draft(
        db, period_code=P, agency_code=agency, values=values, actor=user, now=kw.pop("now", later(1)), **kw
    )


def test_form_has_sections_per_pillar_and_typed_fields(db: Session, province, open_period) -> None:
    open_period()
    view = submissions.get_submission_view(
        db, period_code=P, agency_code="DNG.SO.A", actor=province.users["baocao.a"]
    )
    assert [s.code for s in view.sections] == [
        "HA_TANG",
        "UNG_DUNG",
        "DVC",
        "NHAN_LUC",
        "CHINH_SACH",
        "THUONG_PHAT",
    ]  # XA_HOI_SO applies to districts/communes only
    kinds = {f.code: f.kind for s in view.sections for f in s.fields}
    assert kinds["HT_MANG"] == "yesno" and kinds["DVC_DUNG_HAN"] == "ratio"
    assert kinds["HT_ATTT"] == "points" and kinds["UD_HOP_TRUC_TUYEN"] == "number"
    assert view.missing == list(FULL_VALUES)
    ward = submissions.get_submission_view(db, period_code=P, agency_code="DNG.PX.1", actor=SYSTEM)
    assert "XA_HOI_SO" in [s.code for s in ward.sections]


def test_autosave_is_an_idempotent_upsert(db: Session, province, open_period) -> None:
    open_period()
    user = province.users["baocao.a"]
    first = save(db, {"HT_MANG": {"value": "có"}, "DVC_DUNG_HAN": {"numerator": 3, "denominator": 4}}, user)
    assert sorted(first.changed) == ["DVC_DUNG_HAN", "HT_MANG"]
    again = save(
        db, {"HT_MANG": {"value": "1"}, "DVC_DUNG_HAN": {"numerator": "3", "denominator": "4"}}, user
    )
    assert again.changed == [] and again.version == first.version
    third = save(db, {"HT_MANG": {"value": "không"}}, user)
    assert third.changed == ["HT_MANG"] and third.version == first.version + 1
    history = list_audit(db, object_type="submission_value", newest_first=False)
    assert [h.action for h in history] == ["value.set", "value.set", "value.update"]
    assert history[-1].username == "baocao.a"
    view = submissions.get_submission_view(db, period_code=P, agency_code="DNG.SO.A", actor=SYSTEM)
    fields = {f.code: f for s in view.sections for f in s.fields}
    assert fields["HT_MANG"].value == 0.0 and fields["DVC_DUNG_HAN"].value == 0.75


def test_bad_values_are_all_named_and_nothing_is_saved(db: Session, province, open_period) -> None:
    open_period()
    bad = {
        "HT_MANG": {"value": "maybe"},
        "HT_MAY_TINH": {"value": 1.3},
        "UD_VAN_BAN": {"value": "1"},  # on a percent criterion: 1% or 100%? refused as ambiguous
        "DVC_DUNG_HAN": {"numerator": 5, "denominator": 4},
        "HT_ATTT": {"value": 9},
        "NOPE": {"value": 1},
        "XH_TAI_KHOAN": {"value": 0.5},
        "UD_HOP_TRUC_TUYEN": {"value": 2},
    }
    with pytest.raises(InvalidInput) as err:
        save(db, bad, province.users["baocao.a"])
    assert sorted(p.field for p in err.value.problems) == sorted(set(bad) - {"UD_HOP_TRUC_TUYEN"})
    assert list_audit(db, object_type="submission_value") == []


def test_stale_client_version_conflicts(db: Session, province, open_period) -> None:
    open_period()
    user = province.users["baocao.a"]
    report = save(db, {"HT_MANG": {"value": 1}}, user)
    save(db, {"HT_MANG": {"value": 0}}, user, expected_version=report.version)
    with pytest.raises(Conflict):
        save(db, {"HT_MANG": {"value": 1}}, user, expected_version=report.version)


def test_submit_names_missing_required_criteria(db: Session, province, open_period) -> None:
    open_period()
    user = province.users["baocao.a"]
    partial = {k: v for k, v in FULL_VALUES.items() if k not in ("HT_ATTT", "DVC_DUNG_HAN")}
    save(db, partial, user)
    with pytest.raises(InvalidInput) as err:
        submissions.submit(db, period_code=P, agency_code="DNG.SO.A", actor=user, now=later(2))
    assert [p.field for p in err.value.problems] == ["HT_ATTT", "DVC_DUNG_HAN"]
    assert "HT_ATTT" in str(err.value) and "DVC_DUNG_HAN" in str(err.value)
    save(db, FULL_VALUES, user)
    sub = submissions.submit(db, period_code=P, agency_code="DNG.SO.A", actor=user, now=later(2))
    assert sub.status == "submitted"
    with pytest.raises(Conflict):
        save(db, {"HT_MANG": {"value": 0}}, user)


def test_submit_after_deadline_refused_unless_extended(db: Session, province, open_period) -> None:
    open_period()
    user = province.users["baocao.a"]
    save(db, FULL_VALUES, user)
    too_late = SUBMIT_BY.replace(day=30, hour=18)
    with pytest.raises(InvalidInput) as err:
        submissions.submit(db, period_code=P, agency_code="DNG.SO.A", actor=user, now=too_late)
    assert "deadline" in str(err.value)
    periods.extend_deadline(
        db,
        period_code=P,
        agency_code="DNG.SO.A",
        until=SUBMIT_BY.replace(day=30, hour=23),
        reason="Sự cố mạng",
        actor=SYSTEM,
    )
    assert (
        submissions.submit(db, period_code=P, agency_code="DNG.SO.A", actor=user, now=too_late).status
        == "submitted"
    )


def test_reporters_touch_only_their_own_agency(db: Session, province, open_period) -> None:
    open_period()
    with pytest.raises(PermissionDenied):
        save(db, {"HT_MANG": {"value": 1}}, province.users["baocao.b"])
    with pytest.raises(PermissionDenied):
        submissions.get_submission_view(
            db, period_code=P, agency_code="DNG.SO.A", actor=province.users["baocao.b"]
        )
    with pytest.raises(PermissionDenied):
        submissions.get_submission_view(
            db, period_code=P, agency_code="DNG.PX.1", actor=province.users["thamdinh"]
        )
    for reader in ("lanhdao", "vanthu", "thamdinh"):
        submissions.get_submission_view(
            db, period_code=P, agency_code="DNG.SO.A", actor=province.users[reader]
        )
    with pytest.raises(PermissionDenied):
        save(db, {"HT_MANG": {"value": 1}}, province.users["lanhdao"])


def test_computed_values_are_read_only_with_source(db: Session, province, open_period) -> None:
    open_period()
    changed = set_computed_values(
        db,
        period_code=P,
        source="monitoring:dossiers 2026",
        values=[ComputedValue("DNG.SO.A", "DVC_DUNG_HAN", numerator=90, denominator=100, value=0.9)],
        actor=SYSTEM,
    )
    assert changed == 1
    assert (
        set_computed_values(
            db,
            period_code=P,
            source="monitoring:dossiers 2026",
            values=[ComputedValue("DNG.SO.A", "DVC_DUNG_HAN", numerator=90, denominator=100, value=0.9)],
            actor=SYSTEM,
        )
        == 0
    )
    with pytest.raises(InvalidInput) as err:
        save(db, {"DVC_DUNG_HAN": {"numerator": 100, "denominator": 100}}, province.users["baocao.a"])
    assert "monitoring:dossiers 2026" in str(err.value)
    view = submissions.get_submission_view(db, period_code=P, agency_code="DNG.SO.A", actor=SYSTEM)
    field = next(f for s in view.sections for f in s.fields if f.code == "DVC_DUNG_HAN")
    assert field.computed and field.source == "monitoring:dossiers 2026" and field.numerator == 90
    assert "DVC_DUNG_HAN" not in view.missing
    with pytest.raises(InvalidInput):
        set_computed_values(
            db, period_code=P, values=[ComputedValue("NOPE", "DVC_DUNG_HAN", 1)], actor=SYSTEM
        )


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(num=st.integers(min_value=0, max_value=10_000), den=st.integers(min_value=0, max_value=10_000))
def test_ratio_accepts_exactly_numerator_within_denominator(num: int, den: int) -> None:
    crit = load_form("danang-it")[1].criterion("DVC_DUNG_HAN")
    clean, problems = clean_value(crit, ValueInput(numerator=num, denominator=den))
    if num <= den:
        assert problems == [] and clean.numerator == num and clean.denominator == den
        assert clean.value == (num / den if den else None)
    else:
        assert [p.column for p in problems] == ["numerator"]


@settings(max_examples=60, deadline=None)
@given(x=st.floats(allow_nan=False, allow_infinity=False, min_value=-5, max_value=5))
def test_rates_outside_zero_one_are_refused(x: float) -> None:
    crit = load_form("danang-it")[1].criterion("HT_MAY_TINH")
    clean, problems = clean_value(crit, ValueInput(value=x))
    assert (problems == []) == (0 <= x <= 1)
    if not problems:
        assert clean.value == x


@pytest.mark.parametrize(
    ("code", "typed", "stored"),
    [
        ("DVC_TOAN_TRINH", "83%", 0.83),  # a percent criterion, in every notation reporters use
        ("DVC_TOAN_TRINH", "83,5%", 0.835),
        ("DVC_TOAN_TRINH", "0,83", 0.83),
        ("DVC_TOAN_TRINH", "83", 0.83),
        ("DVC_DUNG_HAN", None, 0.83),  # a fraction criterion typed as its parts
        ("UD_HOP_TRUC_TUYEN", "1.234", None),  # a count of meetings: 1234 is outside 0..365
        ("UD_HOP_TRUC_TUYEN", "99999999999999999999999", None),
    ],
)
def test_drafts_read_vietnamese_notations(
    db: Session, province, open_period, code: str, typed: str | None, stored: float | None
) -> None:
    open_period()
    user = province.users["baocao.a"]
    value = {"numerator": "83", "denominator": "100"} if typed is None else {"value": typed}
    if stored is None:  # refused, naming the field, in both languages
        with pytest.raises(InvalidInput) as err:
            save(db, {code: value}, user)
        problem = err.value.problems[0]
        assert problem.field == code and "0..365" in problem.message_vi and "0..365" in problem.message_en
        return
    save(db, {code: value}, user)
    view = submissions.get_submission_view(db, period_code=P, agency_code="DNG.SO.A", actor=user)
    field = {f.code: f for s in view.sections for f in s.fields}[code]
    assert field.value == pytest.approx(stored)


def test_a_computed_value_keeps_the_whole_lineage_of_its_longest_metric(
    db: Session, province, open_period
) -> None:
    # A framework leaf may name a metric of up to 80 characters; with a large count and a cut-off its
    # lineage runs past 120 characters, which PostgreSQL refused to store (the refresh failed).
    open_period()
    longest = Lineage("M" * 80, "period", 10**12, "procedures", "2026-01", "2026-12",
                      datetime(2026, 12, 2, 7, 2, tzinfo=UTC), date(2026, 6, 30))  # fmt: skip
    source = lineage_source(longest)
    value = ComputedValue("DNG.SO.A", "DVC_DUNG_HAN", numerator=9, denominator=10, value=0.9, source=source)
    set_computed_values(db, period_code=P, values=[value], actor=SYSTEM)
    db.flush()
    view = submissions.get_submission_view(db, period_code=P, agency_code="DNG.SO.A", actor=SYSTEM)
    field = next(f for s in view.sections for f in s.fields if f.code == "DVC_DUNG_HAN")
    assert parse_lineage(field.source) == longest
