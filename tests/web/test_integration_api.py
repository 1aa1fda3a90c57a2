"""POST /api/records/{kind}: integrators push records with a bearer token; others are refused."""

from __future__ import annotations

from collections.abc: Iterator
