"""Load benchmark: 300 agencies saving drafts and submitting at once against `chiso serve` on PostgreSQL.

Target (issue 4): zero errors, zero lost writes (verified by reading every value back from the
database), p95 latency reported. Each run opens a fresh period for the same 300 agencies and reporters,
starts `chiso serve` (one uvicorn process) on a free port, and lets 300 clients (one per agency, all
concurrent) each autosave their draft several times, changing a few values each time, then submit.

    .venv/bin/python benchmarks/assessment_load.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/chiso_bench_assessment

The database named in the URL is created when missing (never the shared `test` database: other
engineers' test runs drop its schema). The machine has 2 cores shared by several engineers, and the
load generator runs on the same 2 cores as the server: figures are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from chiso.accounts.service import start_session
from chiso.assessment import periods
from chiso.assessment.submissions import values_by_code
from chiso.store.db import get_engine, init_database, session_scope
from chiso.store.models import Agency, GroupMember, PeerGroup, User
from chiso.store.models.assessment import AssessmentPeriod, Submission
from chiso.web.launch import served

AGENCIES = 300
SAVES = 5  # autosaves per reporter before submitting
CODE_PREFIX = "BENCH.A"
# A complete danang-it form for a department; each save changes a few numbers of it.
BASE = {
    "HT_MAY_TINH": {"value": 0.9},
    "HT_MANG": {"value": 1},
    "HT_ATTT": {"value": 4},
    "UD_VAN_BAN": {"value": 0.8},
    "UD_HO_SO_CV": {"value": 0.7},
    "UD_HOP_TRUC_TUYEN": {"value": 6},
    "UD_DU_LIEU": {"value": 3},
    "DVC_TOAN_TRINH": {"value": 0.6},
    "DVC_HO_SO_TRUC_TUYEN": {"value": 0.4},
    "DVC_DUNG_HAN": {"numerator": 80, "denominator": 100},
    "NL_CHUYEN_TRACH": {"value": 1},
    "NL_DAO_TAO": {"value": 0.5},
    "CS_KE_HOACH": {"value": 1},
    "CS_KINH_PHI": {"value": 4},
}
RATES = ("HT_MAY_TINH", "UD_VAN_BAN", "UD_HO_SO_CV", "DVC_TOAN_TRINH", "DVC_HO_SO_TRUC_TUYEN", "NL_DAO_TAO")


def ensure_database(url: str) -> None:
    """Create the benchmark database when missing (connecting to the server's `postgres` database)."""
    parsed = make_url(url)
    admin = get_engine(parsed.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database})
        if exists.scalar() is None:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))


def seed(url: str) -> None:
    """Create the 300 agencies, their peer group and one reporter each (idempotent)."""
    with session_scope(url) as s:
        group = s.scalar(select(PeerGroup).where(PeerGroup.province_code == "99", PeerGroup.period == "2099"))
        if group is not None:
            return
        group = PeerGroup(province_code="99", period="2099", code="SBN", name_vi="Sở, ban, ngành (thử tải)")
        s.add(group)
        s.flush()
        now = datetime.now(UTC)
        for i in range(AGENCIES):
            code = f"{CODE_PREFIX}{i:03d}"
            agency = Agency(
                code=code,
                name_vi=f"Sở thử tải {i:03d}",
                name_ascii=f"so thu tai {i:03d}",
                kind="department",
                province_code="99",
            )
            s.add(agency)
            s.flush()
            s.add(GroupMember(group_id=group.id, agency_id=agency.id))
            s.add(
                User(
                    username=f"bench_{i:03d}",
                    full_name=f"Báo cáo {i:03d}",
                    password_hash="!",
                    role="reporter",
                    agency_id=agency.id,
                    province_code="99",
                    locale="vi",
                    is_active=True,
                    created_at=now,
                )
            )


def open_run(url: str, run: int) -> tuple[str, dict[str, tuple[str, str]]]:
    """Open a fresh period for this run; return its code and each agency's (cookie token, CSRF token)."""
    code = f"BENCH-{datetime.now(UTC):%Y%m%d%H%M%S}-{run}"
    now = datetime.now(UTC)
    sessions = {}
    with session_scope(url) as s:
        periods.open_period(
            s,
            code=code,
            name_vi="Thử tải",
            province_code="99",
            period="2099",
            framework_id="danang-it",
            group_codes=["SBN"],
            submission_deadline=now + timedelta(days=1),
            review_deadline=now + timedelta(days=2),
        )
        for user in s.scalars(select(User).where(User.username.like("bench\\_%", escape="\\"))):
            agency = s.get(Agency, user.agency_id)
            assert agency is not None
            token, row = start_session(s, user=user)
            sessions[agency.code] = (token, row.csrf_token)
    return code, sessions


async def reporter(
    client: httpx.AsyncClient,
    period: str,
    agency: str,
    token: str,
    csrf: str,
    latencies: list[tuple[str, float]],
    errors: list[str],
    seed_: int,
) -> dict[str, Any]:
    """Autosave SAVES times (each changing a few values), then submit; return the last values acknowledged."""
    rng = random.Random(seed_)
    values = {k: dict(v) for k, v in BASE.items()}
    acknowledged: dict[str, Any] = {}
    headers = {"X-CSRF-Token": csrf, "Cookie": f"chiso_session={token}"}
    base = f"/api/assessment/{period}/agencies/{agency}"
    for _ in range(SAVES):
        for key in rng.sample(RATES, 3):
            values[key] = {"value": round(rng.uniform(0, 1), 3)}
        started = time.perf_counter()
        try:
            reply = await client.post(f"{base}/draft", json={"values": values}, headers=headers)
        except httpx.HTTPError as exc:
            errors.append(f"{agency} draft {type(exc).__name__} after {time.perf_counter() - started:.1f} s")
            continue
        latencies.append(("draft", time.perf_counter() - started))
        if reply.status_code != 200:
            errors.append(f"{agency} draft {reply.status_code} {reply.text[:200]}")
        else:
            acknowledged = {k: dict(v) for k, v in values.items()}
        await asyncio.sleep(rng.uniform(0, 0.2))  # people type at different speeds
    started = time.perf_counter()
    try:
        reply = await client.post(f"{base}/submit", headers=headers)
    except httpx.HTTPError as exc:
        errors.append(f"{agency} submit {type(exc).__name__} after {time.perf_counter() - started:.1f} s")
        return acknowledged
    latencies.append(("submit", time.perf_counter() - started))
    if reply.status_code != 200:
        errors.append(f"{agency} submit {reply.status_code} {reply.text[:200]}")
    return acknowledged


async def load(
    port: int, period: str, sessions: dict[str, tuple[str, str]]
) -> tuple[list[tuple[str, float]], list[str], dict[str, Any], float]:
    latencies: list[tuple[str, float]] = []
    errors: list[str] = []
    # Idle connections are dropped by the client well before uvicorn's 5 s keep-alive timeout, so a
    # request never races the server closing the connection it was sent on.
    limits = httpx.Limits(max_connections=AGENCIES, max_keepalive_connections=AGENCIES, keepalive_expiry=1.0)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120, limits=limits) as client:
        started = time.perf_counter()
        results = await asyncio.gather(
            *[
                reporter(client, period, agency, token, csrf, latencies, errors, i)
                for i, (agency, (token, csrf)) in enumerate(sorted(sessions.items()))
            ]
        )
        wall = time.perf_counter() - started
    return latencies, errors, dict(zip(sorted(sessions), results, strict=True)), wall


def verify(url: str, period: str, sent: dict[str, Any]) -> list[str]:
    """Read every value back: each agency's stored values equal the last ones it sent; all submitted."""
    lost = []
    with session_scope(url) as s:
        p = s.scalar(select(AssessmentPeriod).where(AssessmentPeriod.code == period))
        assert p is not None
        for sub, code in s.execute(
            select(Submission, Agency.code)
            .join(Agency, Agency.id == Submission.agency_id)
            .where(Submission.period_id == p.id)
        ):
            if sub.status != "submitted":
                lost.append(f"{code}: status {sub.status}")
            stored = values_by_code(s, submission=sub)
            for key, fields in sent[code].items():
                row = stored.get(key)
                for name, value in fields.items():
                    got = None if row is None else getattr(row, name)
                    if got is None or abs(float(got) - float(value)) > 1e-9:
                        lost.append(f"{code}.{key}.{name}: sent {value}, stored {got}")
    return lost


def pct(data: list[float], q: float) -> float:
    ordered = sorted(data)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, help="SQLAlchemy URL of a PostgreSQL database to use")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    ensure_database(args.postgres)
    init_database(args.postgres)
    seed(args.postgres)
    summary = []
    with tempfile.TemporaryDirectory() as data_dir:
        for run in range(1, args.runs + 1):
            period, sessions = open_run(args.postgres, run)
            env = {**os.environ, "CHISO_DATABASE_URL": args.postgres, "CHISO_DATA_DIR": data_dir}
            try:
                with served(env, Path(data_dir) / f"serve-{run}.log") as url:
                    port = int(url.rsplit(":", 1)[1])
                    latencies, errors, sent, wall = asyncio.run(load(port, period, sessions))
            finally:
                tail = (Path(data_dir) / f"serve-{run}.log").read_text(errors="replace").splitlines()[-15:]
                if any("Error" in line for line in tail):
                    print("\n".join(tail))
            lost = verify(args.postgres, period, sent)
            drafts = [t for kind, t in latencies if kind == "draft"]
            submits = [t for kind, t in latencies if kind == "submit"]
            every = drafts + submits
            row = {
                "run": run,
                "requests": len(every),
                "errors": len(errors),
                "lost": len(lost),
                "wall_s": wall,
                "rps": len(every) / wall,
                "p50": statistics.median(every),
                "p95": pct(every, 0.95),
                "p99": pct(every, 0.99),
                "draft_p95": pct(drafts, 0.95),
                "submit_p95": pct(submits, 0.95),
            }
            summary.append(row)
            print(
                f"run {run}: {row['requests']} requests in {wall:.1f} s ({row['rps']:.0f}/s), errors "
                f"{len(errors)}, lost writes {len(lost)}, p50 {row['p50'] * 1000:.0f} ms, "
                f"p95 {row['p95'] * 1000:.0f} ms, p99 {row['p99'] * 1000:.0f} ms "
                f"(draft p95 {row['draft_p95'] * 1000:.0f} ms, submit p95 {row['submit_p95'] * 1000:.0f} ms)"
            )
            for line in (errors + lost)[:10]:
                print("   ", line)
    med = {k: statistics.median(r[k] for r in summary) for k in ("rps", "p50", "p95", "p99", "wall_s")}
    print(
        f"median of {len(summary)} runs: {med['rps']:.0f} requests/s, p50 {med['p50'] * 1000:.0f} ms, "
        f"p95 {med['p95'] * 1000:.0f} ms, p99 {med['p99'] * 1000:.0f} ms; errors "
        f"{sum(r['errors'] for r in summary)}, lost writes {sum(r['lost'] for r in summary)} "
        f"(target: 0 and 0)"
    )


if __name__ == "__main__":
    main()
