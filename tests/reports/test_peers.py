"""A group as matrices (chiso.reports.peers): its statistics are those of the members' published points,
none where no member has any (no data is not zero), and the members come in rank order."""

from __future__ import annotations

import statistics

from hypothesis import given, settings
from hypothesis import strategies as st
from report_inputs import make_ranking

from chiso.reports.peers import group_figures
from chiso.reports.schemas import CriterionResult

POINTS = st.one_of(
    st.none(), st.floats(min_value=0, max_value=10, allow_nan=False).map(lambda x: round(x, 2))
)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_group_statistics_are_those_of_the_members_points(data: st.DataObject) -> None:
    ranking = make_ranking()
    group = ranking.agencies[0].group
    codes = [c.code for c in ranking.framework.criteria]
    agencies = []
    for a in ranking.agencies:
        if a.group != group:
            agencies.append(a)
            continue
        drawn = [CriterionResult(code=c, points=data.draw(POINTS)) for c in codes]
        agencies.append(a.model_copy(update={"criteria": drawn}))
    ranking = ranking.model_copy(update={"agencies": agencies})
    figures = group_figures(ranking, group)
    members = [a for a in agencies if a.group == group]
    assert [m.agency_code for m in figures.members] == [
        a.agency_code for a in sorted(members, key=lambda a: (a.rank is None, a.rank or 0, a.agency_code))
    ]
    for i, code in enumerate(codes):
        values = [p for a in members if (p := a.criteria[i].points) is not None]
        stat = figures.criterion_stats[code]
        if not values:
            assert (stat.mean, stat.median, stat.best) == (None, None, None)
            continue
        assert stat.best == max(values)
        assert stat.median is not None and abs(stat.median - statistics.median(values)) < 1e-9
        assert stat.mean is not None and abs(stat.mean - statistics.fmean(values)) < 1e-9
    row = figures.index[members[0].agency_code]
    shares = figures.share_above(row)
    mine = figures.members[row].criteria
    for i in range(len(codes)):
        above = sum(
            1 for a in members
            if (p := a.criteria[i].points) is not None and mine[i].points is not None and p > mine[i].points
        )  # fmt: skip
        assert shares[i] == above / (len(members) - 1)
