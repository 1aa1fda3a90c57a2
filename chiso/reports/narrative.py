"""The written summary of a ranking (and of a month of the 766 index), from the results alone, by rules.

Domain layer (reports room): imports the report schemas, stats and text helpers only. No language
model: fixed sentence templates filled with figures from the input, in a fixed order, so the same
input always gives the same text. Every figure the text states is returned as a `Fact` naming where
it came from, and the tests recompute each one from the input tables.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from chiso.reports.schemas import AgencyResult, GroupInfo, Index766Month, Lang, RankingInput
from chiso.reports.stats import band_counts, group_pillar_stats
from chiso.reports.text import band_label, fmt_points, month_label, pick

SLIGHT = 0.02  # a change below 2% of a pillar's maximum is "slight"
TOP = 3


@dataclass(frozen=True)
class Fact:
    """One figure the narrative states: its value, how the text shows it and where it comes from.

    `kind` names the computation (see docs/reports.md); `group`, `agency_code`, `pillar` and `band`
    say which rows it was computed from.
    """

    kind: str
    value: float
    shown: str
    source: str
    group: str | None = None
    agency_code: str | None = None
    pillar: str | None = None
    band: str | None = None


@dataclass
class Narrative:
    """The summary as paragraphs (one per group, then the 766 month) and the facts it states."""

    lang: Lang
    paragraphs: list[str] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


class _Writer:
    """Collects sentences and the facts they state for one narrative."""

    def __init__(self, lang: Lang, decimals: int) -> None:
        self.lang = lang
        self.decimals = decimals
        self.facts: list[Fact] = []

    def t(self, vi: str, en: str) -> str:
        return en if self.lang == "en" else vi

    def num(self, value: float, kind: str, source: str, *, signed: bool = False, **keys: str | None) -> str:
        """Return a figure as shown (published decimals) and record it; the fact keeps the shown value."""
        shown = fmt_points(value, self.decimals, self.lang, signed=signed)
        rounded = round(value, self.decimals)
        self.facts.append(Fact(kind, rounded, shown, source, **keys))
        return shown

    def count(self, value: int, kind: str, source: str, **keys: str | None) -> str:
        self.facts.append(Fact(kind, value, str(value), source, **keys))
        return str(value)

    def rank(self, value: int, kind: str, source: str, agency_code: str, group: str) -> str:
        self.facts.append(Fact(kind, value, str(value), source, group=group, agency_code=agency_code))
        if self.lang == "en":
            suffix = "th" if 10 <= value % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")
            return f"{value}{suffix}"
        return str(value)


def _join(items: list[str], lang: Lang) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + (" and " if lang == "en" else " và ") + items[-1]


def _name(a: AgencyResult, lang: Lang) -> str:
    return pick(a.name_vi, a.name_en, lang)


def _counts_sentence(w: _Writer, ranking: RankingInput, group: GroupInfo, rows: list[AgencyResult]) -> str:
    g, bands = group.code, ranking.framework.bands
    n = w.count(len(rows), "agency_count", f"count(agencies[group={g}])", group=g)
    present, absent = [], []
    for label, count in band_counts(ranking, g):
        shown = band_label(label, bands, w.lang)
        source = f"count(agencies[group={g}, band={label}])"
        if count:
            present.append(f"{w.count(count, 'band_count', source, group=g, band=label)} {shown}")
        else:
            w.facts.append(Fact("band_count", 0, shown, source, group=g, band=label))
            absent.append(shown)
    parts = list(present)
    if absent:
        parts.append(w.t("không có đơn vị ", "none ") + w.t(", ", " or ").join(absent))
    unbanded = sum(1 for a in rows if a.band is None)
    if unbanded:
        source = f"count(agencies[group={g}, band=None])"
        shown = w.count(unbanded, "unbanded_count", source, group=g)
        parts.append(w.t(f"{shown} đơn vị chưa xếp loại", f"{shown} without a band"))
    noun = pick(group.unit_noun_vi, group.unit_noun_en, w.lang)
    return f"{pick(group.name_vi, group.name_en, w.lang)} – {n} {noun}: {', '.join(parts)}."


def _points(w: _Writer, a: AgencyResult) -> str:
    source = f"agencies[{a.agency_code}].total"
    return w.num(a.total, "total", source, group=a.group, agency_code=a.agency_code)


def _leaders_sentence(w: _Writer, rows: list[AgencyResult]) -> str:
    ranked = [a for a in rows if a.rank is not None]
    if not ranked:
        return ""
    ranks = sorted({a.rank for a in ranked if a.rank is not None})
    named: list[list[AgencyResult]] = []
    for r in ranks:
        if sum(len(x) for x in named) >= TOP:
            break
        named.append([a for a in ranked if a.rank == r])
    first, *others = named
    src = "agencies[{}].rank"
    top = ""  # the rank is stated, so a reader (and the test that recomputes each figure) finds it
    for a in first:
        top = w.rank(a.rank or 1, "rank", src.format(a.agency_code), a.agency_code, a.group)
    if len(first) == 1:
        pts, name = _points(w, first[0]), _name(first[0], w.lang)
        head = w.t(
            f"Dẫn đầu (hạng {top}) là {name} với {pts} điểm", f"{name} leads ({top}) with {pts} points"
        )
    else:
        shown = _points(w, first[0])
        for a in first[1:]:
            _points(w, a)
        names = _join([_name(a, w.lang) for a in first], w.lang)
        head = w.t(
            f"Đồng hạng {top}, dẫn đầu là {names} với cùng {shown} điểm",
            f"{names} share the lead ({top}) with {shown} points",
        )
    follow = []
    for tied in others:
        for a in tied:
            rank = w.rank(a.rank or 0, "rank", src.format(a.agency_code), a.agency_code, a.group)
            pts = _points(w, a)
            follow.append(
                w.t(f"{_name(a, 'vi')} (hạng {rank}, {pts} điểm)", f"{_name(a, 'en')} ({rank}, {pts})")
            )
    if follow:
        head += w.t("; tiếp theo là ", "; then ") + _join(follow, w.lang)
    return head + "."


def _lineage_note(a: AgencyResult, lang: Lang) -> str:
    if not a.predecessors or a.status not in ("successor", "merged"):
        return ""
    names = ", ".join(a.predecessors)
    verb = {"successor": ("kế thừa", "succeeding"), "merged": ("hợp nhất từ", "merged from")}[a.status]
    return f" ({pick(verb[0], verb[1], lang)} {names})"


def _move(w: _Writer, a: AgencyResult) -> str:
    before = w.rank(
        a.previous_rank or 0,
        "previous_rank",
        f"agencies[{a.agency_code}].previous_rank",
        a.agency_code,
        a.group,
    )
    now = w.rank(a.rank or 0, "rank", f"agencies[{a.agency_code}].rank", a.agency_code, a.group)
    up = (a.previous_rank or 0) > (a.rank or 0)
    verb_vi, verb_en = ("tăng từ hạng", "rose from") if up else ("giảm từ hạng", "fell from")
    to_vi = "lên hạng" if up else "xuống hạng"
    name = _name(a, w.lang) + _lineage_note(a, w.lang)
    return w.t(f"{name} {verb_vi} {before} {to_vi} {now}", f"{name} {verb_en} {before} to {now}")


def _movers_sentences(w: _Writer, rows: list[AgencyResult]) -> list[str]:
    moved = [(a.previous_rank - a.rank, a.rank, a) for a in rows if a.rank is not None and a.previous_rank]
    risers = [a for _up, _r, a in sorted(moved, key=lambda m: (-m[0], m[1])) if _up > 0]
    fallers = [a for _up, _r, a in sorted(moved, key=lambda m: (m[0], m[1])) if _up < 0]
    out = []
    if risers:
        out.append(
            w.t("Tăng hạng nhiều nhất: ", "Largest rises: ")
            + _join([_move(w, a) for a in risers[:TOP]], w.lang)
            + "."
        )
    if fallers:
        out.append(
            w.t("Giảm hạng nhiều nhất: ", "Largest falls: ")
            + _join([_move(w, a) for a in fallers[:TOP]], w.lang)
            + "."
        )
    fresh = [a for a in rows if a.rank is not None and a.previous_rank is None]
    if fresh:
        names = _join([_name(a, w.lang) + _lineage_note(a, w.lang) for a in fresh[:5]], w.lang)
        more = len(fresh) - 5
        tail = w.t(f" và {more} đơn vị khác", f" and {more} others") if more > 0 else ""
        out.append(
            w.t(
                f"Chưa có hạng kỳ trước để so sánh: {names}{tail}.",
                f"No earlier rank to compare: {names}{tail}.",
            )
        )
    return out


def _pillars_sentence(w: _Writer, ranking: RankingInput, group: str) -> str:
    pillars = {p.code: p for p in ranking.framework.pillars}
    parts = []
    for s in group_pillar_stats(ranking, group):
        if s.mean is None:
            continue
        p = pillars[s.code]
        source = f"mean(agencies[group={group}].pillars[{s.code}])"
        mean = w.num(s.mean, "pillar_mean", source, group=group, pillar=s.code)
        text = f"{pick(p.name_vi, p.name_en, w.lang)} {mean}"
        if s.previous_mean is not None:
            delta = round(s.mean, w.decimals) - round(s.previous_mean, w.decimals)
            source = f"mean(pillars[{s.code}]) - mean(previous_pillars[{s.code}]) in group {group}"
            shown = w.num(abs(delta), "pillar_mean_change", source, group=group, pillar=s.code)
            slight = abs(delta) < SLIGHT * p.max_points
            if round(delta, w.decimals) == 0:
                text += w.t(" (không đổi)", " (unchanged)")
            elif delta > 0:
                text += w.t(
                    f" ({'tăng nhẹ' if slight else 'tăng'} {shown})",
                    f" ({'up slightly' if slight else 'up'} {shown})",
                )
            else:
                text += w.t(
                    f" ({'giảm nhẹ' if slight else 'giảm'} {shown})",
                    f" ({'down slightly' if slight else 'down'} {shown})",
                )
        parts.append(text)
    if not parts:
        return ""
    before = pick(ranking.period.previous_name_vi or "", ranking.period.previous_name_en or "", w.lang)
    vs = w.t(f", so với {before}" if before else "", f", against {before}" if before else "")
    return (
        w.t(f"Điểm trung bình các chỉ số chính{vs}: ", f"Mean points per pillar{vs}: ")
        + "; ".join(parts)
        + "."
    )


def _weakest(ranking: RankingInput, rows: list[AgencyResult]) -> list[AgencyResult]:
    """Return the agencies in the framework's worst band (at most 5), or else the last three ranked."""
    ranked = sorted((a for a in rows if a.rank is not None), key=lambda a: (-(a.rank or 0), a.total))
    worst = ranking.framework.bands[-1].label_vi if ranking.framework.bands else None
    in_worst = [a for a in ranked if worst is not None and a.band == worst]
    return (in_worst or ranked[:TOP])[:5]


def _weakest_sentence(w: _Writer, ranking: RankingInput, group: str, rows: list[AgencyResult]) -> str:
    if len(rows) < 3:
        return ""
    weak = _weakest(ranking, rows)
    listed = _join([f"{_name(a, w.lang)} ({_points(w, a)})" for a in weak], w.lang)
    text = w.t(f"Thấp nhất là {listed}", f"Lowest: {listed}")
    n = len(weak)
    parents = Counter(a.parent_name_vi for a in weak if a.parent_name_vi)
    shared = []
    if n >= 2 and parents:
        parent, k = parents.most_common(1)[0]
        if k >= 2:
            count = w.count(
                k, "weakest_same_parent", f"count(weakest of {group} with parent {parent})", group=group
            )
            whole = k == n
            how_many = w.t(
                f"cả {count}" if whole else f"{count}/{n}", f"all {count}" if whole else f"{count} of {n}"
            )
            shared.append(
                w.t(f"{how_many} đơn vị cùng trực thuộc {parent}", f"{how_many} belong to {parent}")
            )
    missing = _shared_missing(ranking, weak) if n >= 2 else []
    if missing:
        names = _join([f"{pick(c.name_vi, c.name_en, w.lang)} ({c.code})" for c in missing], w.lang)
        for c in missing:
            w.count(
                n,
                "weakest_missing_criterion",
                f"count(weakest of {group} with criteria[{c.code}].points in (0, None))",
                group=group,
            )
        shared.append(
            w.t(
                f"cả {n} đơn vị đều chưa đạt điểm ở tiêu chí {names}",
                f"all {n} of them scored nothing on {names}",
            )
        )
    if shared:
        text += w.t("; ", "; ") + w.t(" và ", " and ").join(shared)
    return text + "."


def _shared_missing(ranking: RankingInput, weak: list[AgencyResult]) -> list:  # type: ignore[type-arg]
    """Return the criteria (framework order, at most three) on which every one of `weak` scored nothing."""
    missed = [{c.code for c in a.criteria if not c.points} for a in weak]
    common = set.intersection(*missed) if missed and all(a.criteria for a in weak) else set()
    return [c for c in ranking.framework.criteria if c.code in common][:3]


def _group_paragraph(w: _Writer, ranking: RankingInput, group: GroupInfo, compare: bool) -> str:
    rows = ranking.group_rows(group.code)
    if not rows:
        return ""
    if len(rows) == 1:
        a = rows[0]
        band = band_label(a.band, ranking.framework.bands, w.lang) or "—"
        pts, name = _points(w, a), _name(a, w.lang)
        return w.t(
            f"{group.name_vi} chỉ có 1 đơn vị: {name} đạt {pts} điểm, xếp loại {band}; "
            "nhóm không so sánh thứ hạng.",
            f"{pick(group.name_vi, group.name_en, 'en')} has a single agency: {name} scored {pts} points, "
            f"band {band}; no ranking within the group.",
        )
    sentences = [_counts_sentence(w, ranking, group, rows), _leaders_sentence(w, rows)]
    if compare:
        sentences += _movers_sentences(w, rows)
        sentences.append(_pillars_sentence(w, ranking, group.code))
    sentences.append(_weakest_sentence(w, ranking, group.code, rows))
    return " ".join(s for s in sentences if s)


def write_narrative(
    ranking: RankingInput, *, index766: Index766Month | None = None, lang: Lang = "vi"
) -> Narrative:
    """Write the summary of a ranking: per group, band counts, leaders, movers, pillar means, the weakest.

    Args:
        ranking: the published (or draft) ranking.
        index766: a month of the live 766 index to summarise after the groups, when given.
        lang: "vi" (default) or "en".

    Returns:
        The paragraphs and every figure they state as a `Fact`.
    """
    w = _Writer(lang, ranking.framework.decimals)
    compare = any(a.previous_total is not None or a.previous_rank is not None for a in ranking.agencies)
    paragraphs = []
    if not compare:
        paragraphs.append(
            w.t(
                "Đây là kỳ đánh giá đầu tiên, chưa có kết quả kỳ trước để so sánh.",
                "This is the first assessment: there is no earlier period to compare with.",
            )
        )
    paragraphs += [p for g in ranking.groups if (p := _group_paragraph(w, ranking, g, compare))]
    narrative = Narrative(lang, paragraphs, w.facts)
    if index766 is not None:
        extra = write_index766_narrative(index766, lang=lang)
        narrative.paragraphs += extra.paragraphs
        narrative.facts += extra.facts
    return narrative


def write_index766_narrative(month: Index766Month, *, lang: Lang = "vi") -> Narrative:
    """Write a month of the 766 index in a few sentences: the province's total and its groups' changes."""
    w = _Writer(lang, 2)
    label = month_label(month.period, lang)
    now, before = month.province, month.previous_province
    if now.total is None:
        return Narrative(
            lang, [w.t(f"Chỉ số 766 {label}: chưa có số liệu.", f"766 index, {label}: no data yet.")]
        )
    total = w.num(now.total, "index766_total", "province.total")
    text = w.t(
        f"Chỉ số 766 {label}: {month.province_name} đạt {total} điểm",
        f"766 index, {label}: {month.province_name} scored {total} points",
    )
    if before is None or before.total is None or not month.previous_period:
        return Narrative(lang, [text + "."], w.facts)
    prev = month_label(month.previous_period, lang)
    delta = round(now.total - before.total, 2)
    if delta == 0:
        text += w.t(f", không đổi so với {prev}", f", unchanged on {prev}")
    else:
        shown = w.num(abs(delta), "index766_total_change", "province.total - previous_province.total")
        text += w.t(
            f", {'tăng' if delta > 0 else 'giảm'} {shown} điểm so với {prev}",
            f", {'up' if delta > 0 else 'down'} {shown} on {prev}",
        )
    changes = [
        (round(a - b, 2), g)
        for g in month.groups
        if (a := now.groups.get(g.code)) is not None and (b := before.groups.get(g.code)) is not None
    ]
    best = max(changes, key=lambda c: c[0], default=None)
    worst = min(changes, key=lambda c: c[0], default=None)
    for change, vi, en in (
        (best, "tăng nhiều nhất", "largest rise"),
        (worst, "giảm nhiều nhất", "largest fall"),
    ):
        if change is None or (change[0] <= 0 if vi.startswith("tăng") else change[0] >= 0):
            continue
        value, group = change
        source = f"province.groups[{group.code}] - previous_province.groups[{group.code}]"
        shown = w.num(value, "index766_group_change", source, signed=True, pillar=group.code)
        text += f"; {w.t(vi, en)}: {pick(group.name_vi, group.name_en, lang)} ({shown})"
    return Narrative(lang, [text + "."], w.facts)
