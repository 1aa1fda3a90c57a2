"""Rendered reports kept by the content hash of their inputs: the same inputs are never rendered twice.

Domain layer (reports room): files only, under a directory the caller gives (the data dir's
`reports/cache`); nothing from web, flows or the store. The key hashes the report kind, the engine's
version (the hash of the reports room's templates and code) and the inputs' canonical JSON, so a
changed number, signer, revision or template gives a new file. Writes are atomic (a temporary file
renamed); one lock per key keeps two requests for the same report from rendering it twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel

HERE = Path(__file__).parent
KEEP_FILES = 200  # the oldest files beyond this many are removed after each write
_LOCKS: dict[str, threading.Lock] = {}
_GUARD = threading.Lock()


@lru_cache(maxsize=1)
def engine_hash() -> str:
    """Return a hash of the reports room's code and templates (a changed layout invalidates the cache)."""
    digest = hashlib.sha256()
    for path in sorted([*HERE.glob("*.py"), *(HERE / "templates").glob("*")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def content_key(kind: str, inputs: Sequence[BaseModel | str | int | None]) -> str:
    """Return the cache key of a report: sha256 of its kind, the engine's hash and its inputs' JSON."""
    digest = hashlib.sha256(f"{kind}\n{engine_hash()}\n".encode())
    for item in inputs:
        text = item.model_dump_json() if isinstance(item, BaseModel) else json.dumps(item)
        digest.update(text.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def _lock(key: str) -> threading.Lock:
    with _GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


def _prune(directory: Path, keep: int) -> None:
    files = sorted(directory.glob("*.bin"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        old.unlink(missing_ok=True)


def cached_render(
    directory: Path,
    kind: str,
    inputs: Sequence[BaseModel | str | int | None],
    render: Callable[[], bytes],
    *,
    keep: int = KEEP_FILES,
) -> tuple[bytes, bool]:
    """Return the report's bytes from the cache, or render, store and return them.

    Args:
        directory: where the files live (created when missing).
        kind: the report ("ranking-pdf", "scorecard-pdf", "workbook", ...).
        inputs: everything the bytes depend on (the typed inputs, the language, the agency code...).
        render: builds the bytes when they are not cached.
        keep: how many files the directory keeps.

    Returns:
        The bytes and whether they came from the cache.
    """
    key = content_key(kind, inputs)
    path = directory / f"{kind}-{key}.bin"
    with _lock(key):
        if path.exists():
            os.utime(path)  # recently used files are the last to be pruned
            return path.read_bytes(), True
        data = render()
        directory.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, path)
        _prune(directory, keep)
        return data, False
