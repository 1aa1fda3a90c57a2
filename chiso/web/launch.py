"""Run `chiso serve` in a child process and wait until it answers: for browser tests and load benchmarks.

Web layer tooling; starts a real server on a free loopback port, never a mock.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(env: Mapping[str, str], log_path: Path, *, timeout_s: float = 60) -> Iterator[str]:
    """Start `chiso serve` with `env`, yield its base URL once `/` answers 200, and stop it afterwards.

    Raises:
        RuntimeError: the server exited or did not answer within `timeout_s` (the log's tail is included).
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        command = [sys.executable, "-m", "chiso", "serve", "--port", str(port)]
        proc = subprocess.Popen(command, env=dict(env), stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + timeout_s
            while not _answers(url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = log_path.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"chiso serve did not answer within {timeout_s:.0f} s:\n{tail}")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False
