"""`chiso demo`: build the demo province (Đà Nẵng) with its agencies, groups and users."""

from __future__ import annotations

import typer


def demo_command(
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing when the database already has agencies."),
) -> None:
    """Build the deterministic demo province: Đà Nẵng before and after July 2025."""
    raise NotImplementedError


def print_demo_logins() -> None:
    """Print the demo users and their password (shown by `make run`)."""
