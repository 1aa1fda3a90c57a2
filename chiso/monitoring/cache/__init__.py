"""Derived results kept beside the record store, one per dossier part file; monitoring cache layer.

Modules: `jobs` (a pool of single-threaded DuckDB workers that write each result atomically),
`flags` (per-file procedure flags), `counts` (per-file dossier counts, named by a hash of their
SQL), `derived` (what a computation reads and what an ingest builds before its manifest swap). The
caches import the compute sources and the store's manifest, never the runner or the ingest; they
are safe to delete at any time.
"""
