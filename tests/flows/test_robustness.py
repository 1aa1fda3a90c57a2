"""Rank intervals stored with a publication and replayed; the sensitivity of a published ranking; the
what-if panel of a reporter's draft (the whole peer group scored)."""

from __future__ import annotations

import csv
import io

import pytest
from assess_helpers import later
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from chiso.accounts.actors import SYSTEM
from chiso.assessment import publication
from chiso.errors import Conflict, PermissionDenied
from chiso.flows import robustness
from chiso.flows import scoring as flow
from chiso.frameworks import load_framework
from chiso.store.models.robustness import PublicationIntervals

from .test_publication import TWEAKS, run_cycle

P = "DNG-2026"


def test_a_published_ranking_carries_its_intervals_and_replays_them(
    db: Session, province, open_period
) -> None:
    open_period()
    run_cycle(db, P, TWEAKS)
    preview = flow.preview_ranking(db, period_code=P, actor=province.users["vanthu"])
    pub = flow.publish_period(db, period_code=P, actor=province.users["vanthu"], now=later(20))
    ranking = publication.get_ranking(db, period_code=P)
    assert ranking.intervals is not None and ranking.intervals.error_en is None
    assert ranking.intervals.replications == 1000 and ranking.intervals.seed == 0
    assert ranking.intervals.factors  # the danang-it default spec: weights and missing values
    for row in ranking.rows:
        assert row.rank_low is not None and row.rank_high is not None and row.rank_median is not None
        assert row.rank_low <= row.rank_median <= row.rank_high
        assert row.rank_firm == (row.rank_low == row.rank_high)
        assert row.band_probabilities and sum(row.band_probabilities.values()) == pytest.approx(1.0)
    # the preview shows what would be published, intervals included
    assert [r.model_dump(exclude={"status"}) for r in preview.rows] == [
        r.model_dump(exclude={"status"}) for r in ranking.rows
    ]
    again = robustness.replay_published_intervals(db, period_code=P)
    stored = {r.agency_code: (r.rank_low, r.rank_high, r.rank_median) for r in ranking.rows}
    replayed = {
        str(r.agency_code): (int(r.rank_low), int(r.rank_high), int(r.median_rank))
        for r in again.table.itertuples(index=False)
    }
    assert replayed == stored
    record = db.query(PublicationIntervals).filter_by(publication_id=pub.id).one()
    with pytest.raises(Conflict):
        record.rows = []
        db.flush()


def test_downloads_carry_the_interval_columns(db: Session, province, open_period) -> None:
    open_period()
    run_cycle(db, P, TWEAKS)
    flow.publish_period(db, period_code=P, actor=SYSTEM, now=later(20))
    ranking = publication.get_ranking(db, period_code=P, group="SBN")
    parsed = list(csv.DictReader(io.StringIO(publication.export_ranking(ranking).decode("utf-8-sig"))))
    first = parsed[0]
    assert {"rank_low", "rank_high", "rank_median"} <= set(first)
    assert any(name.startswith("p_") for name in first)
    row = ranking.rows[0]
    assert first["rank_low"] == str(row.rank_low) and first["rank_high"] == str(row.rank_high)
    assert row.band_probabilities is not None
    for band, share in row.band_probabilities.items():
        assert float(first[f"p_{band}"]) == pytest.approx(share)
    sheet = load_workbook(io.BytesIO(publication.export_ranking(ranking, fmt="xlsx"))).active
    header = [c.value for c in sheet[4]]
    values = dict(zip(header, [c.value for c in sheet[5]], strict=True))
    assert values["rank_low"] == row.rank_low and values["rank_median"] == row.rank_median
    assert {f"p_{band}" for band in row.band_probabilities} <= set(header)


def test_sensitivity_of_a_published_ranking(db: Session, province, open_period) -> None:
    open_period()
    run_cycle(db, P, TWEAKS)
    flow.publish_period(db, period_code=P, actor=SYSTEM, now=later(20))
    with pytest.raises(PermissionDenied):
        robustness.period_sensitivity(db, period_code=P, actor=province.users["baocao.a"])
    report = robustness.period_sensitivity(db, period_code=P, actor=province.users["vanthu"])
    assert report.revision == 1 and {f.factor for f in report.factors} >= {"weights", "missing"}
    totals = [f.total_order for f in report.factors]
    assert totals == sorted(totals, reverse=True)
    pillars = {node.code for node in load_framework("danang-it").nodes}
    assert {p.node_code for p in report.pillars} <= pillars and report.pillars
    assert all(p.mean_rank_change >= 0 for p in report.pillars)


def test_whatif_panel_plans_on_the_whole_group_and_the_plan_scores_as_planned(
    db: Session, province, open_period
) -> None:
    from assess_helpers import FULL_VALUES

    from chiso.assessment import submissions

    open_period()
    reporter = province.users["baocao.a"]
    empty = robustness.whatif_panel(db, period_code=P, agency_code="DNG.SO.A", actor=reporter)
    assert empty.now is None and "values" in empty.message_en
    for agency in ("DNG.SO.A", "DNG.SO.B", "DNG.SO.C", "DNG.SO.D"):
        values = {**FULL_VALUES, **TWEAKS.get(agency, {})}
        if agency == "DNG.SO.A":
            values |= {"HT_MANG": {"value": 0}, "UD_VAN_BAN": {"value": 0.2}}
        submissions.save_draft(db, period_code=P, agency_code=agency, values=values, actor=SYSTEM)
    with pytest.raises(PermissionDenied):
        robustness.whatif_panel(db, period_code=P, agency_code="DNG.SO.B", actor=reporter)
    panel = robustness.whatif_panel(db, period_code=P, agency_code="DNG.SO.A", actor=reporter, top=1)
    assert panel.group == "SBN" and panel.group_size == 4 and panel.now is not None
    assert panel.now.rank == 4
    top = next(p for p in panel.plans if p.goal == "top:1")
    assert top.reachable and top.steps and top.after is not None and top.after.rank == 1
    changed = {
        s.indicator_code: (
            {"numerator": s.target, "denominator": s.denominator}
            if s.unit == "count"
            else {"value": s.target}
        )
        for s in top.steps
    }
    submissions.save_draft(db, period_code=P, agency_code="DNG.SO.A", values=changed, actor=reporter)
    rescored = flow.preview_agency(db, period_code=P, agency_code="DNG.SO.A", actor=reporter)
    assert rescored.published_total == top.after.published


def test_what_if_on_a_draft_equals_saving_it_and_rescoring(db: Session, province, open_period) -> None:
    from assess_helpers import FULL_VALUES

    from chiso.assessment import submissions
    from chiso.errors import InvalidInput, ScoringError
    from chiso.flows.robustness import ChangeIn

    open_period()
    reporter = province.users["baocao.a"]
    with pytest.raises(InvalidInput):
        robustness.what_if_draft(db, period_code=P, agency_code="DNG.SO.A", changes={}, actor=reporter)
    for agency in ("DNG.SO.A", "DNG.SO.B", "DNG.SO.C", "DNG.SO.D"):
        values = {
            **FULL_VALUES,
            **TWEAKS.get(agency, {}),
            **({"HT_MANG": {"value": 0}} if agency == "DNG.SO.A" else {}),
        }
        submissions.save_draft(db, period_code=P, agency_code=agency, values=values, actor=SYSTEM)
    with pytest.raises(PermissionDenied):
        robustness.what_if_draft(db, period_code=P, agency_code="DNG.SO.B", changes={}, actor=reporter)
    with pytest.raises(ScoringError, match="NO_SUCH"):
        robustness.what_if_draft(
            db, period_code=P, agency_code="DNG.SO.A", changes={"NO_SUCH": ChangeIn(value=1)}, actor=reporter
        )
    changes = {"HT_MANG": ChangeIn(value=1), "DVC_DUNG_HAN": ChangeIn(numerator=99, denominator=100)}
    out = robustness.what_if_draft(db, period_code=P, agency_code="DNG.SO.A", changes=changes, actor=reporter)
    assert out.group == "SBN" and out.after.published is not None and out.before.published is not None
    assert out.after.published > out.before.published and out.after.rank == 1
    submissions.save_draft(
        db, period_code=P, agency_code="DNG.SO.A", actor=reporter,
        values={"HT_MANG": {"value": 1}, "DVC_DUNG_HAN": {"numerator": 99, "denominator": 100}},
    )  # fmt: skip
    again = flow.preview_agency(db, period_code=P, agency_code="DNG.SO.A", actor=reporter)
    assert again.published_total == out.after.published
