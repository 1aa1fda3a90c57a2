"""Benchmark the reports of a large province: 200 agencies + 3,321 communes, 7 pillars, 42 criteria.

Targets (issue 13): the full ranking decision with its annexes <= 20 s and <= 1 GB; the workbook <= 5 s;
the same decision asked again ("cached": the file kept by the content hash of its inputs) well under 1 s.
Each report is built 3 times in a fresh process; the median wall time and the peak RSS (the process
and its rendering workers) are printed. Run it alone: `flock /tmp/chiso-bench.lock .venv/bin/python
benchmarks/reports.py`.
"""

from __future__ import annotations

import io
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from pypdf import PdfReader

from chiso.reports.schemas import (
    AgencyResult,
    BandInfo,
    CriterionResult,
    DocumentInfo,
    FrameworkInfo,
    GroupInfo,
    NodeInfo,
    PeriodInfo,
    RankingInput,
    SignatureBlock,
)

PILLARS = [
    "Nhận thức số",
    "Thể chế số",
    "Hạ tầng số",
    "Ứng dụng công nghệ số",
    "Dịch vụ công trực tuyến",
    "Nhân lực số",
    "Xã hội số",
]
BANDS = [
    BandInfo(code="XS", label_vi="Xuất sắc", min=90),
    BandInfo(code="TOT", label_vi="Tốt", min=80, max=90),
    BandInfo(code="KHA", label_vi="Khá", min=65, max=80),
    BandInfo(code="TB", label_vi="Trung bình", min=50, max=65),
    BandInfo(code="YEU", label_vi="Yếu", max=50),
]
GROUPS = [
    ("SBN", "Khối sở, ban, ngành", 60),
    ("TW", "Khối cơ quan Trung ương", 40),
    ("DVSN", "Khối đơn vị sự nghiệp", 100),
    ("PX", "Khối phường, xã, đặc khu", 3321),
]


def synthetic_ranking(seed: int = 7) -> RankingInput:
    """Return a published ranking of 3,521 agencies with previous ranks, pillars and 42 criteria each."""
    rng = random.Random(seed)
    pillars = [NodeInfo(code=f"P{i}", name_vi=n, max_points=100 / 7) for i, n in enumerate(PILLARS, start=1)]
    criteria = [
        NodeInfo(code=f"P{i}.{k}", name_vi=f"Tiêu chí {i}.{k}", max_points=100 / 42, parent_code=f"P{i}")
        for i in range(1, 8)
        for k in range(1, 7)
    ]
    framework = FrameworkInfo(
        id="dt-2025",
        name_vi="Chỉ số chuyển đổi số",
        max_points=100,
        bands=BANDS,
        pillars=pillars,
        criteria=criteria,
    )
    agencies = []
    for code, _name, count in GROUPS:
        rows = []
        for n in range(count):
            points = {p.code: round(rng.uniform(0.3, 1.0) * p.max_points, 2) for p in pillars}
            name = (
                f"Ủy ban nhân dân phường Hòa Khánh Bắc số {n + 1}" if code == "PX" else f"Sở Khoa học {n + 1}"
            )
            rows.append((round(sum(points.values()), 2), f"{code}{n:05d}", name, points))
        rows.sort(key=lambda r: -r[0])
        previous = rng.sample(range(1, count + 1), count)
        for rank, (total, agency_code, name, points) in enumerate(rows, start=1):
            band = next(
                b.label_vi
                for b in BANDS
                if (b.min is None or total >= b.min) and (b.max is None or total < b.max)
            )
            crit = [
                CriterionResult(
                    code=c.code, points=round(rng.uniform(0, c.max_points), 2), value=rng.random()
                )
                for c in criteria
            ]
            agencies.append(
                AgencyResult(
                    agency_code=agency_code,
                    name_vi=name,
                    group=code,
                    rank=rank,
                    total=total,
                    band=band,
                    pillars=points,
                    previous_total=round(total - rng.uniform(-5, 5), 2),
                    points_change=round(rng.uniform(-5, 5), 2),
                    previous_rank=previous[rank - 1],
                    rank_change=previous[rank - 1] - rank,
                    status="continuing",
                    previous_pillars=points,
                    criteria=crit,
                    rank_low=max(1, rank - 2),
                    rank_high=min(count, rank + 2),
                )
            )
    period = PeriodInfo(
        code="2025", name_vi="Năm 2025", year=2025, previous_code="2024", previous_name_vi="năm 2024"
    )
    return RankingInput(
        period=period,
        framework=framework,
        groups=[GroupInfo(code=c, name_vi=n) for c, n, _ in GROUPS],
        agencies=agencies,
        revision=1,
        published_at=datetime(2026, 7, 15, tzinfo=UTC),
    )


DOCUMENT = DocumentInfo(
    issuing_body="ỦY BAN NHÂN DÂN\nTHÀNH PHỐ ĐÀ NẴNG",
    number="125",
    place="Đà Nẵng",
    issued_on=date(2026, 7, 15),
    summary="Về việc công bố kết quả xếp hạng chỉ số chuyển đổi số năm 2025",
    authority="ỦY BAN NHÂN DÂN THÀNH PHỐ",
    recipients=["Như Điều 3;", "Lưu: VT."],
    signature=SignatureBlock(name="Nguyễn Văn A"),
)


def _one(kind: str) -> dict[str, float]:
    """Build one report in this process; return seconds, size and peak RSS (self + workers) in MB."""
    from chiso.reports.cache import cached_render
    from chiso.reports.ranking_pdf import render_ranking_pdf
    from chiso.reports.workbook import ranking_workbook

    ranking = synthetic_ranking()
    folder = Path(tempfile.mkdtemp(prefix="chiso-bench-cache-"))

    def pdf() -> bytes:
        return render_ranking_pdf(ranking, DOCUMENT)

    if kind == "cached":  # the same inputs again: the file kept by their content hash
        cached_render(folder, "ranking-pdf", [ranking, DOCUMENT], pdf)
    before = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    started = time.perf_counter()
    if kind == "xlsx":
        data = ranking_workbook(ranking)
    else:
        data, _hit = cached_render(folder, "ranking-pdf", [ranking, DOCUMENT], pdf)
    shutil.rmtree(folder)
    seconds = time.perf_counter() - started
    after = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, before, strict=True))
    rss = (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    )
    pages = len(PdfReader(io.BytesIO(data)).pages) if kind != "xlsx" else 0
    return {"seconds": seconds, "cpu": cpu, "mb": len(data) / 1e6, "rss_mb": rss / 1024, "pages": pages}


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(_one(sys.argv[2])))
        return
    kinds = sys.argv[1:] or ["pdf", "xlsx", "cached"]
    for kind, target in (("pdf", 20.0), ("xlsx", 5.0), ("cached", 1.0)):
        if kind not in kinds:
            continue
        runs = []
        for _ in range(3):
            out = subprocess.run(
                [sys.executable, __file__, "--one", kind], capture_output=True, text=True, check=True
            )
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        median = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        peak = max(r["rss_mb"] for r in runs)
        print(
            f"{kind}: median {median:.1f} s of {[round(r['seconds'], 1) for r in runs]}"
            f" (target <= {target:.0f} s),"
            f" CPU {cpu:.1f} s (this process and its workers), peak RSS {peak:.0f} MB,"
            f" {runs[0]['mb']:.1f} MB file,"
            f" {runs[0]['pages']} pages"
        )


if __name__ == "__main__":
    main()
