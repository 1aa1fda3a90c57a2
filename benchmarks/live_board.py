"""Load benchmark (issue 16 item 1): 200 open live boards polling while one user asks `/api/me`.

Target: `/api/me` p95 <= 100 ms while 200 clients poll the live 766 board every 2 s. Each run starts
`chiso serve` (one uvicorn process) on a copy of the demo province, starts the pollers in a child
process (200 asyncio clients, each asking the board's htmx fragment every 2 s as the page does, with
`If-None-Match` when it got an ETag, as a browser revalidates), lets them warm up, then measures
`/api/me` of a logged-in secretariat user from this process, one request every 50 ms.

    .venv/bin/python benchmarks/live_board.py --runs 3 --seconds 20
    .venv/bin/python benchmarks/live_board.py --data-dir /tmp/demo-var   # reuse a built demo

The machine has 2 cores shared by several engineers, and the load generator runs on the same 2 cores
as the server: figures are noisy; the load average is printed with each run.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

CLIENTS = 200
POLL_S = 2.0


def build_demo(target: Path) -> None:
    """Run `chiso init` and `chiso demo` into `target` (the data dir)."""
    env = {k: v for k, v in os.environ.items() if k != "CHISO_DATABASE_URL"}
    env["CHISO_DATA_DIR"] = str(target)
    for args in (["init"], ["demo"]):
        subprocess.run([sys.executable, "-m", "chiso", *args], env=env, check=True, capture_output=True)


def login_cookie(data_dir: Path) -> str:
    """Open a session for the demo secretariat user directly in the store; return the cookie value."""
    os.environ["CHISO_DATA_DIR"] = str(data_dir)
    from sqlalchemy import select

    from chiso.accounts.service import start_session
    from chiso.config import get_settings
    from chiso.store.db import session_scope
    from chiso.store.models import User

    with session_scope(get_settings().database_url) as s:
        user = s.scalar(select(User).where(User.username == "vanthu"))
        assert user is not None, "the demo has no user vanthu"
        token, _ = start_session(s, user=user)
    return token


async def _poller(
    url: str, stop_at: float, counts: dict[str, int], offset: float, tls: ssl.SSLContext
) -> None:
    """One open page: its own connection and cookies (a browser), asking the fragment every 2 s."""
    await asyncio.sleep(offset)
    etag: str | None = None
    # One TLS context for all: each client loading the CA bundle costs ~0.1 s and stalls the generator.
    async with httpx.AsyncClient(base_url=url, timeout=30, verify=tls) as client:
        while time.monotonic() < stop_at:
            started = time.monotonic()
            headers = {"HX-Request": "true", "Accept-Encoding": "gzip"}
            if etag:
                headers["If-None-Match"] = etag
            try:
                r = await client.get("/monitoring/live", headers=headers)
                counts[str(r.status_code)] = counts.get(str(r.status_code), 0) + 1
                etag = r.headers.get("etag") or etag
            except httpx.HTTPError as exc:
                counts[type(exc).__name__] = counts.get(type(exc).__name__, 0) + 1
            await asyncio.sleep(max(0.0, POLL_S - (time.monotonic() - started)))


def run_pollers(url: str, seconds: float, clients: int, queue: multiprocessing.Queue, nice: int = 0) -> None:  # type: ignore[type-arg]
    """Child process: `clients` pollers for `seconds`; put the status counts on `queue`.

    `nice` > 0 lowers the generator's CPU priority: real pollers are browsers on other machines.
    """
    if nice:
        os.nice(nice)

    async def main() -> dict[str, int]:
        counts: dict[str, int] = {}
        stop_at = time.monotonic() + seconds
        tls = ssl.create_default_context()
        await asyncio.gather(
            *(_poller(url, stop_at, counts, POLL_S * i / clients, tls) for i in range(clients))
        )
        return counts

    queue.put(asyncio.run(main()))


def measure_me(url: str, cookie: str, seconds: float) -> list[float]:
    """Ask /api/me every 50 ms for `seconds`; return the latencies in ms."""
    latencies: list[float] = []
    with httpx.Client(base_url=url, timeout=30, cookies={"chiso_session": cookie}) as client:
        stop_at = time.monotonic() + seconds
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            r = client.get("/api/me")
            latencies.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200, f"/api/me answered {r.status_code}: {r.text[:200]}"
            time.sleep(0.05)
    return latencies


def pct(values: list[float], p: float) -> float:
    """Return the p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def one_run(data_dir: Path, seconds: float, clients: int, warmup: float, nice: int = 0) -> dict[str, object]:
    """Serve a copy of `data_dir`, start the pollers, measure /api/me; return the figures."""
    from chiso.web import security
    from chiso.web.launch import served

    with tempfile.TemporaryDirectory(prefix="live-bench-") as tmp:
        copy = Path(tmp) / "var"
        shutil.copytree(data_dir, copy)
        cookie = login_cookie(copy)
        env = {k: v for k, v in os.environ.items() if k != "CHISO_DATABASE_URL"}
        env.update({"CHISO_DATA_DIR": str(copy), "CHISO_WORKER": "0"})
        with served(env, Path(tmp) / "serve.log") as url:
            httpx.get(url + "/monitoring/live", timeout=300)  # a running server has its board already
            assert security.SESSION_COOKIE == "chiso_session"
            queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
            child = multiprocessing.Process(
                target=run_pollers, args=(url, warmup + seconds + 2, clients, queue, nice)
            )
            child.start()
            time.sleep(warmup)
            load = os.getloadavg()[0]
            latencies = measure_me(url, cookie, seconds)
            counts = queue.get(timeout=120)
            child.join()
    return {
        "p50": statistics.median(latencies),
        "p95": pct(latencies, 95),
        "n": len(latencies),
        "load": load,
        "polls": counts,
    }


def main() -> None:
    """Parse options, run the benchmark `--runs` times and print each run and the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=6.0)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--nice", type=int, default=0, help="lower the pollers' priority (e.g. 10)")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="a built demo data dir (default: build one)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="live-bench-demo-") as tmp:
        data_dir = args.data_dir
        if data_dir is None:
            data_dir = Path(tmp) / "var"
            started = time.perf_counter()
            build_demo(data_dir)
            print(f"demo built in {time.perf_counter() - started:.1f} s", flush=True)
        runs = []
        for i in range(args.runs):
            figures = one_run(data_dir, args.seconds, args.clients, args.warmup, args.nice)
            runs.append(figures)
            print(
                f"run {i + 1}: /api/me p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms "
                f"({figures['n']} requests), load {figures['load']:.2f}, polls {figures['polls']}",
                flush=True,
            )
        p50 = statistics.median(float(r["p50"]) for r in runs)  # type: ignore[arg-type]
        p95 = statistics.median(float(r["p95"]) for r in runs)  # type: ignore[arg-type]
        print(f"median of {len(runs)} runs: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({args.clients} pollers)")


if __name__ == "__main__":
    main()
