"""Benchmark the agency scorecard at national scale: one agency of a 4,300-agency published ranking
(3,321 communes in one group) with 24 months of live 766 history.

Target (issue 11): <= 300 ms server time per scorecard. Builds a temp SQLite store: two published periods
of the danang-it framework (the second compared with the first), scored by the engine from synthetic
values (the demo's value generator) and recorded as publications with rank intervals, and 24 monthly
live-score snapshots. Then times, several times each, the flow (`get_scorecard`) and the HTTP page and
its JSON twin (in-process client: server time, no network), for different communes, and the public
what-if fragment. The first request after start builds what a published revision derives (kept in
memory, chiso.flows.published_cache) and is reported apart. Run it alone:
`flock /tmp/chiso-bench.lock .venv/bin/python benchmarks/scorecard.py`.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from chiso import clock
from chiso.accounts.actors import SYSTEM
from chiso.assessment import periods, publication
from chiso.assessment.demo import demo_value  # the demo's plausible values
from chiso.assessment.form import load_form
from chiso.assessment.published_intervals import IntervalRecord
from chiso.flows import published_cache
from chiso.flows.live_history import write_snapshot
from chiso.monitoring.history import METRICS, Snapshot
from chiso.monitoring.live import shift_period
from chiso.monitoring.periods import bucket_of
from chiso.scoring import result_of_run, run_pipeline
from chiso.store import init_database, session_scope
from chiso.store.models import Agency, GroupMember, PeerGroup
from chiso.units.text import fold

TARGET_MS = 300.0
FRAMEWORK = "danang-it"
# group code, agency kind, members: 3,321 communes + 979 others = 4,300 agencies
GROUPS = (
    ("PX", "commune", 3321),
    ("SBN", "department", 500),
    ("QH", "district", 379),
    ("TW", "department", 100),
)
YEARS = ("2024", "2025")
MONTHS = 24


def build(url: str) -> list[str]:
    """Create the agencies, two published periods and 24 months of live history; return the communes."""
    init_database(url)
    codes: dict[str, list[tuple[str, str]]] = {}
    with session_scope(url) as s:
        for group, kind, size in GROUPS:
            codes[group] = [(f"BM.{group}.{i:04d}", kind) for i in range(size)]
            agencies = [
                Agency(code=c, name_vi=f"Đơn vị {group} {i}", name_ascii=fold(f"Don vi {group} {i}"),
                       kind=kind, province_code="48")
                for i, (c, _) in enumerate(codes[group])
            ]  # fmt: skip
            s.add_all(agencies)
            s.flush()
            for year in YEARS:
                peer = PeerGroup(province_code="48", period=year, code=group, name_vi=f"Nhóm {group}")
                s.add(peer)
                s.flush()
                s.add_all(GroupMember(group_id=peer.id, agency_id=a.id) for a in agencies)
        s.flush()
    framework, form = load_form(FRAMEWORK)
    previous: str | None = None
    for year in YEARS:
        code = f"BM-{year}"
        with session_scope(url) as s:
            now = clock.now()
            period = periods.open_period(
                s, code=code, name_vi=f"Kỳ thử {year}", province_code="48", period=year,
                framework_id=FRAMEWORK, group_codes=[g[0] for g in GROUPS],
                submission_deadline=now + timedelta(days=1), review_deadline=now + timedelta(days=2),
                previous_period_code=previous, actor=SYSTEM,
            )  # fmt: skip
            rows = []
            for group_rows in codes.values():
                for agency, kind in group_rows:
                    rng = random.Random(f"{agency}/{year}")
                    quality = rng.random()
                    for crit in form.criteria:
                        if crit.computed or not crit.applies_to(kind):
                            continue
                        value = demo_value(crit, rng, quality)
                        if value is not None:
                            rows.append({"agency_code": agency, "period": year, "indicator_code": crit.code,
                                         "value": value.get("value"), "numerator": value.get("numerator"),
                                         "denominator": value.get("denominator"),
                                         "comment": value.get("comment") or "x"})  # fmt: skip
            values = pd.DataFrame(rows).astype(
                {"value": "float64", "numerator": "float64", "denominator": "float64"}
            )
            groups = pd.DataFrame(
                [{"agency_code": a, "group": g, "kind": k} for g, rs in codes.items() for a, k in rs],
                columns=["agency_code", "group", "kind"],
            )
            before, before_id = publication.previous_results(s, period=period)
            run = run_pipeline(framework, values, groups=groups, previous=before, lineage=None)
            result = result_of_run(run, rows=len(values))
            total = result.table[result.table["node_code"].astype(str) == "TOTAL"]
            intervals = IntervalRecord(
                rows=[
                    {"agency_code": a, "rank_low": max(1, int(r) - 2), "rank_high": int(r) + 3,
                     "rank_median": int(r), "firm": False, "band_probabilities": {}}
                    for a, r in zip(total["agency_code"], total["rank"], strict=True) if pd.notna(r)
                ],
                log={"replications": 1000, "seed": 1, "interval": [5, 95], "spec": {}},
            )  # fmt: skip  # synthetic: the scorecard reads intervals; their Monte Carlo is benchmarked apart
            publication.record_publication(
                s, period=period, revision=1, result=result,
                inputs=publication.RunInputs(values, groups, None, before, before_id),
                reason="", actor=SYSTEM, now=clock.now(), intervals=intervals,
            )  # fmt: skip
            period.status = "published"
        previous = code
    all_codes = sorted(c for rs in codes.values() for c, _ in rs)
    rng_np = np.random.default_rng(3)
    last = bucket_of(clock.today(), "month")
    with session_scope(url) as s:
        for back in range(MONTHS - 1, -1, -1):
            month = shift_period(last, back)
            values = np.vstack(
                [rng_np.uniform(40, 95, len(all_codes))]
                + [rng_np.uniform(0, 18, len(all_codes)) for _ in METRICS[1:-2]]
                + [
                    np.arange(1, len(all_codes) + 1, dtype=float),
                    rng_np.integers(0, 400, len(all_codes)).astype(float),
                ]
            )
            write_snapshot(s, actor=SYSTEM, kind="month", period=month.start,
                           snapshot=Snapshot(tuple(all_codes), METRICS, values))  # fmt: skip
    return [c for c, _ in codes["PX"]]


def timed(fn, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for i in range(runs):
        start = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="print the requests' cProfile top 25")
    parser.add_argument("--store", type=Path, help="keep the built store in this folder (reused when there)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.store or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{folder / 'chiso.db'}"
        os.environ["CHISO_DATABASE_URL"] = url
        os.environ["CHISO_DATA_DIR"] = str(folder)
        start = time.perf_counter()
        if (folder / "chiso.db").exists():
            communes = [f"BM.PX.{i:04d}" for i in range(GROUPS[0][2])]
        else:
            communes = build(url)
            took = time.perf_counter() - start
            print(f"built: 4,300 agencies x 2 published periods + {MONTHS} months in {took:.0f} s")
        from chiso.flows.scorecard import get_scorecard

        picks = communes[100::311][: args.runs + 1]

        def flow(i: int) -> None:
            with session_scope(url) as s:
                card = get_scorecard(s, agency_code=picks[i % len(picks)], period_code="BM-2025", actor=None)
            assert card.group_size == 3321 and len(card.live) == 12 and card.interval is not None

        published_cache.clear()
        profile = cProfile.Profile()
        start = time.perf_counter()
        profile.enable()
        flow(0)
        profile.disable()
        cold = (time.perf_counter() - start) * 1000
        if args.profile:
            text = io.StringIO()
            pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(25)
            print(text.getvalue())
        warm = timed(lambda i: flow(i + 1), args.runs)
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            flow(1)
            profile.disable()
            text = io.StringIO()
            pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(25)
            print(text.getvalue())

        from fastapi.testclient import TestClient

        from chiso.web.app import create_app

        with TestClient(create_app()) as client:

            def page(i: int) -> None:
                got = client.get(f"/agencies/{picks[i % len(picks)]}/scorecard?period=BM-2025")
                assert got.status_code == 200 and "Trong 90%" in got.text, got.text[:300]

            def twin(i: int) -> None:
                assert (
                    client.get(f"/api/agencies/{picks[i % len(picks)]}/scorecard?period=BM-2025").status_code
                    == 200
                )

            def whatif(i: int) -> None:
                got = client.get(
                    f"/agencies/{picks[i % len(picks)]}/scorecard/whatif?period=BM-2025&c.HT_MANG=1",
                    headers={"HX-Request": "true"},
                )
                assert got.status_code == 200 and "whatif-after" in got.text, got.text[:300]

            page(0)
            if args.profile:
                profile = cProfile.Profile()
                profile.enable()
                page(1)
                profile.disable()
                text = io.StringIO()
                pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(20)
                print(text.getvalue())
            http = timed(page, args.runs)
            api = timed(twin, args.runs)
            start = time.perf_counter()
            whatif(0)
            whatif_cold = (time.perf_counter() - start) * 1000
            what = timed(whatif, args.runs)
    print(f"flow cold (first request: builds the revision's figures): {cold:.0f} ms")
    for name, values in (("flow get_scorecard", warm), ("HTTP page", http), ("HTTP JSON twin", api),
                         ("what-if fragment", what)):  # fmt: skip
        median = statistics.median(values)
        print(
            f"{name}: median {median:.1f} ms over {len(values)} runs"
            f" (min {min(values):.1f}, max {max(values):.1f});"
            f" {median / TARGET_MS:.2f} x the {TARGET_MS:.0f} ms target"
        )
    print(f"what-if first request (builds the engine's run of the revision): {whatif_cold:.0f} ms")


if __name__ == "__main__":
    main()
