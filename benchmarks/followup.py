"""Benchmark the follow-up room: every alert rule over 4,300 agencies after an ingest, and 10,000 queued
e-mails sent to a local SMTP server (aiosmtpd on loopback). Medians of several runs.

    flock /tmp/chiso-bench.lock .venv/bin/python benchmarks/followup.py [--runs 3] [--messages 10000]

Rule evaluation: `rule_candidates` (score drop, on-time rate) over a month of 4,300 agencies' values and
totals, plus `raise_alerts` storing the new ones (and their digests) in a fresh SQLite store, committed.
Sending: `notify` queues N messages (events of 1,000 recipients, one transaction), then `drain` sends them
to aiosmtpd running in a process of its own, one SMTP connection per batch of 500, recording each as sent
(its own commit); the figure is messages per second of the sending alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chiso.flows.followup_eval import rule_candidates
from chiso.flows.worker import drain
from chiso.followup import alerts
from chiso.followup.messages import Message
from chiso.followup.notify import Recipient, notify
from chiso.store import init_database, session_scope
from chiso.web.launch import free_port

AGENCIES = 4300


def _month_tables(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    codes = [f"B{i:05d}" for i in range(AGENCIES)]
    received = rng.integers(0, 400, AGENCIES).astype(float)
    on_time = np.floor(received * rng.uniform(0.8, 1.0, AGENCIES))
    values = pd.DataFrame(
        {
            "agency_code": codes,
            "period": "2026-05",
            "indicator_code": "TIMELINESS",
            "numerator": on_time,
            "denominator": received,
            "value": on_time / np.maximum(received, 1),
        }
    )
    totals = pd.DataFrame(
        {
            "agency_code": codes * 2,
            "period": ["2026-04"] * AGENCIES + ["2026-05"] * AGENCIES,
            "node_code": "TOTAL",
            "published": np.concatenate([rng.uniform(50, 100, AGENCIES), rng.uniform(50, 100, AGENCIES)]),
        }
    )
    return values, totals


def bench_rules(runs: int) -> dict[str, Any]:
    times, raised = [], 0
    for run in range(runs):
        values, totals = _month_tables(run)
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            init_database(url)
            started = time.perf_counter()
            found = rule_candidates(
                values, totals, month="2026-05", previous="2026-04", drop_points=10, ontime_below=0.95
            )
            with session_scope(url) as session:
                raised = len(alerts.raise_alerts(session, candidates=found))
            times.append(time.perf_counter() - started)
    return {
        "agencies": AGENCIES,
        "alerts": raised,
        "median_s": round(statistics.median(times), 3),
        "runs_s": [round(t, 3) for t in times],
    }


SINK = """
import sys
from aiosmtpd.controller import Controller
count = 0
class Sink:
    async def handle_DATA(self, server, session, envelope):
        global count
        count += 1
        return "250 OK"
controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.readline()
controller.stop()
print(count, flush=True)
"""


def _queue(url: str, run: int, messages: int, per_event: int = 1000) -> None:
    """Queue the messages as events of `per_event` recipients each (a reminder reaches many people)."""
    with session_scope(url) as session:
        for start in range(0, messages, per_event):
            notify(
                session,
                event_type="deadline_soon",
                key=f"bench:{run}:{start}",
                recipients=[
                    Recipient(f"Cán bộ {i}", email=f"canbo{i}@bench.vn")
                    for i in range(start, min(start + per_event, messages))
                ],
                message=Message("Còn 3 ngày đến hạn nộp", "3 days left", "Hạn 17:00", "Due 17:00"),
            )


def bench_smtp(runs: int, messages: int) -> dict[str, Any]:
    """Send through aiosmtpd in a process of its own (a mail server is never in the sender's process)."""
    rates = []
    for run in range(runs):
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-c", SINK, str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert server.stdout is not None and server.stdin is not None
        assert server.stdout.readline().strip() == "ready"
        os.environ["CHISO_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
        try:
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite:///{Path(tmp) / 'bench.db'}"
                init_database(url)
                _queue(url, run, messages)
                started = time.perf_counter()
                report = drain(url, worker_id="bench", limit=500)
                seconds = time.perf_counter() - started
        finally:
            received, _ = server.communicate("stop\n", timeout=60)
        assert report.sent == messages == int(received.strip()), (report, received)
        rates.append(messages / seconds)
    return {
        "messages": messages,
        "median_per_s": round(statistics.median(rates), 1),
        "runs_per_s": [round(r, 1) for r in rates],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    print("rules:", bench_rules(args.runs))
    print("smtp:", bench_smtp(args.runs, args.messages))


if __name__ == "__main__":
    main()
