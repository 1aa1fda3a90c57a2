"""Benchmark: N simultaneous logins on one username through the real app (issue 16 item 4).

    .venv/bin/python benchmarks/login_lockout.py                 # 40 attempts, 5 rounds, SQLite in a temp dir
    CHISO_DATABASE_URL=postgresql+psycopg://... .venv/bin/python benchmarks/login_lockout.py --attempts 40

Each round posts N wrong passwords at once (one thread each) to POST /login for a fresh username and
reports how many were evaluated (audit entries), how many refused unread (429), and the wall time of
the round. Before the fix the probe saw 31 of 40 evaluated (count-then-insert); the target is the free
attempts only (5), with no 500 and no "database is locked".
Run under `flock /tmp/chiso-bench.lock` when others benchmark on the same machine.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import delete, func, select


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("CHISO_DATA_DIR", tempfile.mkdtemp(prefix="chiso-login-bench-"))

    from fastapi.testclient import TestClient

    from chiso.accounts.service import create_user
    from chiso.store import init_database, session_scope
    from chiso.store.models.audit import AuditEntry
    from chiso.store.models.logins import LoginThrottle
    from chiso.web.app import create_app

    init_database()
    walls, evaluated = [], []
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        for round_no in range(args.rounds):
            name = f"bench_{os.getpid()}_{round_no}"
            with session_scope() as s:
                create_user(s, username=name, full_name="Bench", password="dung-mat-khau-9x", role="leader")
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
            assert token
            form = {"username": name, "password": "sai-mat-khau", "next": "/", "csrf_token": token.group(1)}
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.attempts) as pool:
                replies = list(
                    pool.map(lambda data: client.post("/login", data=data), [form] * args.attempts)
                )
            walls.append(time.perf_counter() - started)
            with session_scope() as s:
                count = s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.object_id == name))
                # the address's own limit (100) would refuse later rounds: each round starts clean
                s.execute(delete(LoginThrottle).where(LoginThrottle.key == "addr:testclient"))
            evaluated.append(int(count or 0))
            print(f"round {round_no + 1}: {dict(Counter(r.status_code for r in replies))}, "
                  f"evaluated {count}, {walls[-1]:.2f} s")  # fmt: skip
    print(f"median: evaluated {statistics.median(evaluated)} of {args.attempts}, "
          f"wall {statistics.median(walls):.2f} s; load average {os.getloadavg()[0]:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
