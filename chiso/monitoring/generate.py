"""Deterministic generator of realistic synthetic records (demo, tests, benchmarks); files only, no DB.

Vectorised with numpy/pyarrow and streaming: dossiers come as Arrow record batches of at most
`chunk_rows` rows, month by month, so 100M dossiers never sit in memory. The same seed and arguments
always give the same records. Every agency gets a latent quality (0..1) that drives its on-time rate,
online share, digitisation, payment and satisfaction, so rankings built on the data are meaningful.
Dossier ids start with the month (`HS202608-000000001`), which keeps the store's key ranges per file
disjoint.
"""

from __future__ import annotations

import calendar as pycalendar
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chiso.monitoring.calendar import WorkingCalendar, load_calendar
from chiso.monitoring.records.schema import arrow_schema
from chiso.monitoring.records.store import bulk_load

ProgressFn = Callable[[str, int, int], None]
_US = 1_000_000
_DAY_US = 86_400 * _US
_CATEGORIES = pa.array(["procedure", "staff", "other"])
_CHANNELS = pa.array(["online", "direct", "postal"])
_STATUSES = pa.array(
    ["finished", "returned", "refused", "withdrawn", "waiting_supplement", "received", "processing"]
)
_RATINGS = pa.array(["satisfied", "dissatisfied"])
_NAMES = (
    "Đăng ký khai sinh",
    "Cấp giấy phép xây dựng",
    "Chứng thực bản sao từ bản chính",
    "Đăng ký kinh doanh hộ cá thể",
    "Cấp phiếu lý lịch tư pháp",
    "Đăng ký kết hôn",
    "Cấp đổi giấy phép lái xe",
    "Cấp giấy chứng nhận quyền sử dụng đất",
    "Đăng ký thường trú",
    "Cấp giấy phép kinh doanh vận tải",
    "Thẩm định thiết kế cơ sở",
    "Cấp giấy phép lao động cho người nước ngoài",
)


@dataclass(frozen=True)
class Agencies:
    """Codes, volume weights and latent quality of the agencies records are generated for."""

    codes: pa.Array
    weights: np.ndarray[Any, np.dtype[np.float64]]
    quality: np.ndarray[Any, np.dtype[np.float64]]

    @property
    def cumulative(self) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Return the cumulative weights (for drawing agencies by volume)."""
        return np.cumsum(self.weights)

    @classmethod
    def build(cls, codes: Sequence[str], seed: int) -> Agencies:
        rng = np.random.default_rng([seed, 1])
        size = rng.lognormal(0.0, 1.0, len(codes))
        quality = rng.beta(5.0, 2.0, len(codes))
        return cls(pa.array(list(codes), pa.string()), size / size.sum(), quality)


def generate_procedures(n: int = 300, *, seed: int = 0, today: date | None = None) -> pa.Table:
    """Return a procedure catalogue of `n` procedures (exactly `arrow_schema("procedures")`)."""
    rng = np.random.default_rng([seed, 2])
    today = today or date(2026, 1, 1)
    idx = np.arange(n)
    codes = [f"1.{i + 1:06d}.000.00.00.H{seed % 100:02d}" for i in idx]
    names = [f"{_NAMES[i % len(_NAMES)]} ({i + 1})" for i in idx]
    effective = np.datetime64(today, "D") - rng.integers(30, 2000, n)
    announced = effective - rng.integers(-3, 25, n)
    published = announced + rng.integers(0, 12, n)
    published_mask = rng.random(n) < 0.95
    return pa.table(
        {
            "procedure_code": codes,
            "name": names,
            "full_online_eligible": rng.random(n) < 0.6,
            "fee_bearing": rng.random(n) < 0.4,
            "paper_result_required": rng.random(n) < 0.2,
            "legal_basis_effective_on": pa.array(effective, pa.date32()),
            "announced_on": pa.array(announced, pa.date32()),
            "published_on": pa.array(published, pa.date32(), mask=~published_mask),
            "content_complete": rng.random(n) < 0.9,
            "agency_code": pa.nulls(n, pa.string()),
            "online_available": rng.random(n) < 0.85,
            "population_data_connected": rng.random(n) < 0.5,
            "for_citizens": rng.random(n) < 0.7,
        },
        schema=arrow_schema("procedures"),
    )


def _months(start: date, end: date) -> list[tuple[date, date]]:
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        first = max(start, date(y, m, 1))
        last = min(end, date(y, m, pycalendar.monthrange(y, m)[1]))
        out.append((first, last))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _split(total: int, months: list[tuple[date, date]]) -> list[int]:
    days = np.array([(b - a).days + 1 for a, b in months], dtype=np.float64)
    share = np.floor(total * days / days.sum()).astype(np.int64)
    share[-1] += total - share.sum()
    return [int(x) for x in share]


def _ids(prefix: str, seq: np.ndarray[Any, np.dtype[np.int64]]) -> pa.Array:
    digits = pc.utf8_lpad(pc.cast(pa.array(seq), pa.string()), width=9, padding="0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def _labels(
    codes: np.ndarray[Any, Any], labels: pa.Array, mask: np.ndarray[Any, Any] | None = None
) -> pa.Array:
    """Return the label of each code as a plain string column (built in C++, not per row)."""
    indices = pa.array(codes.astype(np.int8), pa.int8(), mask=mask)
    return pa.DictionaryArray.from_arrays(indices, labels).cast(pa.string())


def _timestamps(days: np.ndarray[Any, Any], seconds: np.ndarray[Any, Any]) -> pa.Array:
    micros = days.astype("datetime64[D]").astype(np.int64) * _DAY_US + seconds.astype(np.int64) * _US
    return pa.array(micros, pa.int64()).cast(pa.timestamp("us"))


def _working_days_between(cal: WorkingCalendar, first: date, last: date) -> np.ndarray[Any, Any]:
    days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
    work = days[cal.is_working_day(days)]
    return work if len(work) else days


def _dossier_chunk(
    rng: np.random.Generator,
    n: int,
    seq0: int,
    month: tuple[date, date],
    agencies: Agencies,
    procs: pa.Table,
    cal: WorkingCalendar,
    as_of: np.int64,
) -> pa.RecordBatch:
    first, last = month
    work = _working_days_between(cal, first, last)
    a = np.minimum(np.searchsorted(agencies.cumulative, rng.random(n)), len(agencies.weights) - 1)
    q = agencies.quality[a]
    # a few procedures carry most dossiers (Zipf-like weights 1/rank)
    proc_cum = np.cumsum(1.0 / np.arange(1, procs.num_rows + 1))
    p = np.minimum(np.searchsorted(proc_cum / proc_cum[-1], rng.random(n)), procs.num_rows - 1)
    eligible = np.asarray(procs.column("full_online_eligible").to_numpy(), dtype=bool)[p]
    fee = np.asarray(procs.column("fee_bearing").to_numpy(), dtype=bool)[p]
    proc_days = 1 + (p * 7919) % 15  # fixed processing time per procedure, 1..15 working days
    received_day = work[rng.integers(0, len(work), n)]
    received = _timestamps(received_day, rng.integers(27_000, 61_200, n))
    due_day = cal.add_working_days(received_day, proc_days)
    online = rng.random(n) < np.where(eligible, 0.25 + 0.65 * q, 0.1 + 0.3 * q)
    channel = _labels(np.where(online, 0, np.where(rng.random(n) < 0.04, 2, 1)), _CHANNELS)
    supplements = np.minimum(rng.poisson(0.12 + 0.2 * (1 - q)), 4)
    paused = np.where(supplements > 0, rng.integers(1, 6, n), 0)
    on_time = rng.random(n) < 0.72 + 0.27 * q
    early = rng.integers(0, 1 + proc_days)
    late_by = rng.integers(1, 11, n)
    finish_day = np.where(
        on_time,
        cal.add_working_days(received_day, np.minimum(early, proc_days) + paused),
        cal.add_working_days(due_day, late_by + paused),
    )
    finish_us = finish_day.astype("datetime64[D]").astype(np.int64) * _DAY_US + rng.integers(
        27_000, 61_200, n
    ) * np.int64(_US)
    closed = finish_us <= as_of
    end_roll = rng.random(n)
    # 0 finished, 1 returned, 2 refused, 3 withdrawn, 4 waiting_supplement, 5 received, 6 processing
    closed_code = np.searchsorted(np.array([0.93, 0.96, 0.98]), end_roll, side="right")
    open_code = np.where(supplements > 0, 4, np.where(rng.random(n) < 0.2, 5, 6))
    status = _labels(np.where(closed, closed_code, open_code), _STATUSES)
    finished_at = pa.array(finish_us, pa.int64(), mask=~closed).cast(pa.timestamp("us"))
    due_at = _timestamps(due_day, np.full(n, 61_200))
    pay_roll = rng.random(n)
    paid = np.where(
        fee & online & (pay_roll < 0.4 + 0.55 * q), np.where(rng.random(n) < 0.7, 1, 2), 0
    ).astype(np.int8)
    digitised = rng.random(n) < 0.45 + 0.5 * q
    e_result = closed & (rng.random(n) < 0.35 + 0.6 * q)
    rated = rng.random(n) < 0.12
    unhappy = rng.random(n) < 0.05 + 0.25 * (1 - q) + 0.3 * ~on_time
    rating = _labels(np.where(unhappy, 1, 0), _RATINGS, mask=~rated)
    month_tag = f"HS{first.year:04d}{first.month:02d}-"
    columns = {
        "dossier_id": _ids(month_tag, np.arange(seq0, seq0 + n, dtype=np.int64)),
        "agency_code": agencies.codes.take(pa.array(a)),
        "procedure_code": procs.column("procedure_code").combine_chunks().take(pa.array(p)),
        "channel": channel,
        "received_at": received,
        "due_at": due_at,
        "finished_at": finished_at,
        "status": status,
        "supplement_requests": pa.array(supplements.astype(np.int32)),
        "paused_days": pa.array(paused.astype(np.int32)),
        "full_online": pa.array(online & eligible & (rng.random(n) < 0.85)),
        "fee_required": pa.array(fee),
        "digitised": pa.array(digitised),
        "e_result": pa.array(e_result),
        "reused_data": pa.array(digitised & (rng.random(n) < 0.2 + 0.5 * q)),
        "population_data": pa.array(rng.random(n) < 0.4 + 0.5 * q),
        "synced_national": pa.array(rng.random(n) < 0.8 + 0.2 * q),
        "paid_online": pa.array(paid),
        "rating": rating,
        "e_certified_copy": pa.array(rng.random(n) < 0.05 + 0.15 * q),
        "personal_storage_synced": pa.array(e_result & (rng.random(n) < 0.5 + 0.4 * q)),
    }
    return pa.RecordBatch.from_pydict(columns, schema=arrow_schema("dossiers"))


def _as_of_us(as_of: datetime | None, end: date) -> np.int64:
    moment = as_of or datetime.combine(end, time(23, 59, 59))
    return np.int64(int(np.datetime64(moment, "us").astype(np.int64)))


def generate_dossiers(
    agency_codes: Sequence[str],
    start: date,
    end: date,
    *,
    total: int,
    seed: int = 0,
    procedures: pa.Table | None = None,
    as_of: datetime | None = None,
    chunk_rows: int = 1_000_000,
    calendar: WorkingCalendar | None = None,
) -> Iterator[pa.RecordBatch]:
    """Yield `total` synthetic dossiers received from `start` to `end`, month by month, in batches.

    Args:
        agency_codes: the receiving agencies; their volumes differ (log-normal weights).
        start: first day of reception; end: last day.
        total: number of dossiers, spread over the months by their number of days.
        seed: same seed, same records.
        procedures: the catalogue to draw procedure codes from (default `generate_procedures(seed=seed)`).
        as_of: the moment the data is a snapshot of; dossiers finishing later are still open
            (default: the end of `end`).
        chunk_rows: the largest batch.
    """
    procs = procedures if procedures is not None else generate_procedures(seed=seed)
    agencies = Agencies.build(agency_codes, seed)
    cal = calendar or load_calendar()
    cutoff = _as_of_us(as_of, end)
    months = _months(start, end)
    for mi, (month, count) in enumerate(zip(months, _split(total, months), strict=True)):
        done = 0
        chunk = 0
        while done < count:
            n = min(chunk_rows, count - done)
            rng = np.random.default_rng([seed, 3, mi, chunk])
            yield _dossier_chunk(rng, n, done + 1, month, agencies, procs, cal, cutoff)
            done += n
            chunk += 1


def generate_petitions(
    agency_codes: Sequence[str],
    start: date,
    end: date,
    *,
    total: int,
    seed: int = 0,
    as_of: datetime | None = None,
    chunk_rows: int = 1_000_000,
    calendar: WorkingCalendar | None = None,
) -> Iterator[pa.RecordBatch]:
    """Yield `total` synthetic petitions (PAKN) received from `start` to `end`, in batches."""
    agencies = Agencies.build(agency_codes, seed)
    cal = calendar or load_calendar()
    cutoff = _as_of_us(as_of, end)
    months = _months(start, end)
    schema = arrow_schema("petitions")
    for mi, (month, count) in enumerate(zip(months, _split(total, months), strict=True)):
        done = 0
        while done < count:
            n = min(chunk_rows, count - done)
            rng = np.random.default_rng([seed, 4, mi, done])
            a = np.minimum(np.searchsorted(agencies.cumulative, rng.random(n)), len(agencies.weights) - 1)
            q = agencies.quality[a]
            work = _working_days_between(cal, *month)
            day = work[rng.integers(0, len(work), n)]
            due_day = cal.add_working_days(day, 15)
            in_time = rng.random(n) < 0.8 + 0.19 * q
            steps = np.where(in_time, rng.integers(1, 16, n), 16 + rng.integers(0, 10, n))
            handle_day = cal.add_working_days(day, steps)
            handle_us = handle_day.astype("datetime64[D]").astype(np.int64) * _DAY_US + 36_000 * _US
            due_us = due_day.astype("datetime64[D]").astype(np.int64) * _DAY_US + 61_200 * _US
            handled = handle_us <= cutoff
            overdue = np.where(handled, handle_day > due_day, cutoff > due_us)
            first = month[0]
            columns = {
                "petition_id": _ids(
                    f"PA{first.year:04d}{first.month:02d}-", np.arange(done + 1, done + n + 1)
                ),
                "agency_code": agencies.codes.take(pa.array(a)),
                "received_at": _timestamps(day, rng.integers(27_000, 61_200, n)),
                "due_at": _timestamps(due_day, np.full(n, 61_200)),
                "handled_at": pa.array(handle_us, pa.int64(), mask=~handled).cast(pa.timestamp("us")),
                "category": _labels(rng.choice(3, n, p=[0.5, 0.15, 0.35]), _CATEGORIES),
                "dissatisfied": pa.array(handled & (rng.random(n) < 0.03 + 0.2 * (1 - q))),
                "repeat": pa.array(rng.random(n) < 0.05),
                "overdue": pa.array(overdue),
                "dossier_id": pa.nulls(n, pa.string()),  # generated petitions name no dossier
            }
            yield pa.RecordBatch.from_pydict(columns, schema=schema)
            done += n


def write_synthetic_records(
    data_dir: Path,
    agency_codes: Sequence[str],
    start: date,
    end: date,
    *,
    dossiers: int,
    petitions: int = 0,
    procedures: int = 300,
    seed: int = 0,
    as_of: datetime | None = None,
    replace: bool = True,
    progress: ProgressFn | None = None,
) -> dict[str, int]:
    """Generate synthetic records straight into the record store (replacing what is there by default).

    Returns:
        The number of rows stored per kind.
    """
    procs = generate_procedures(procedures, seed=seed, today=start)
    cal = load_calendar(data_dir)
    counts = {"procedures": bulk_load("procedures", procs.to_batches(), data_dir=data_dir, replace=replace)}
    done = 0

    def tick(batches: Iterator[pa.RecordBatch], step: str, total: int) -> Iterator[pa.RecordBatch]:
        nonlocal done
        done = 0
        for batch in batches:
            yield batch
            done += batch.num_rows
            if progress is not None:
                progress(step, done, total)

    counts["dossiers"] = bulk_load(
        "dossiers",
        tick(
            generate_dossiers(
                agency_codes,
                start,
                end,
                total=dossiers,
                seed=seed,
                procedures=procs,
                as_of=as_of,
                calendar=cal,
            ),
            "dossiers",
            dossiers,
        ),
        data_dir=data_dir,
        replace=replace,
    )
    if petitions:
        counts["petitions"] = bulk_load(
            "petitions",
            tick(
                generate_petitions(
                    agency_codes, start, end, total=petitions, seed=seed, as_of=as_of, calendar=cal
                ),
                "petitions",
                petitions,
            ),
            data_dir=data_dir,
            replace=replace,
        )
    return counts


def generate_demo_records(
    data_dir: Path,
    agency_codes: Sequence[str],
    *,
    end: date,
    months: int = 12,
    per_agency: int = 1500,
    seed: int = 766,
    progress: ProgressFn | None = None,
) -> dict[str, int]:
    """Generate `months` months of dossiers and petitions, up to and including `end`, for the demo agencies.

    About `per_agency` dossiers and a twenty-fifth as many petitions per agency; records finishing
    after `end` are still open. Deterministic for a given `end`; the demo's records replace whatever
    the store held.
    """
    y, m = end.year, end.month - (months - 1)
    while m < 1:
        y, m = y - 1, m + 12
    n = max(1, len(agency_codes))
    return write_synthetic_records(
        data_dir,
        list(agency_codes),
        date(y, m, 1),
        end,
        dossiers=per_agency * n,
        petitions=max(1, per_agency // 25) * n,
        seed=seed,
        as_of=datetime.combine(end, time(23, 59, 59)),
        replace=True,
        progress=progress,
    )
