"""Load frameworks from the built-in YAML files or a user's file; frameworks layer, imports only chiso.errors.

Reading the YAML file is the loader's job; the scoring engine only ever receives a parsed Framework.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from chiso.errors import InvalidInput, NotFound, Problem
from chiso.frameworks.schema import Framework
from chiso.frameworks.validate import check_framework_model, problems_from_validation

BUILTIN_IDS: tuple[str, ...] = (
    "qd766",
    "dti-province-2022",
    "danang-it",
    "dti-province-2025",
    "cds-departments-2025",
    "cds-communes-2025",
    "danang-cds-2025",
)


def _builtin_text(framework_id: str) -> str:
    return resources.files("chiso.frameworks").joinpath("builtin", f"{framework_id}.yaml").read_text("utf-8")


def parse_framework(raw: Any, *, file: str | None = None) -> tuple[Framework | None, list[Problem]]:
    """Validate plain data as a framework and return it with every problem found.

    Args:
        raw: the document as loaded from YAML or JSON.
        file: the file name to put in the problems.

    Returns:
        The framework (None when the schema itself failed) and the list of problems.
    """
    if not isinstance(raw, dict):
        return None, [
            Problem(
                message_vi="tệp khung chỉ số phải là một ánh xạ YAML (id, name_vi, nodes, ...)",
                message_en="a framework file must be a YAML mapping (id, name_vi, nodes, ...)",
                file=file,
            )
        ]
    try:
        framework = Framework.model_validate(raw)
    except ValidationError as exc:
        return None, problems_from_validation(raw, exc, file=file)
    return framework, check_framework_model(framework, file=file)


def _read_yaml(text: str, file: str | None) -> tuple[Any, list[Problem]]:
    try:
        return yaml.safe_load(text), []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        return None, [
            Problem(
                message_vi=f"YAML không đọc được: {exc}",
                message_en=f"unreadable YAML: {exc}",
                file=file,
                row=row,
            )
        ]


def check_framework(path: str | Path) -> list[Problem]:
    """Check a framework file and return every problem, each naming the exact node path.

    Args:
        path: a YAML file, or the id of a built-in framework.

    Returns:
        The problems (unknown rule, children's max not adding up, duplicate codes, bands that
        overlap or leave gaps, ...); an empty list means the framework is sound.
    """
    text, name = _read_source(str(path))
    raw, problems = _read_yaml(text, name)
    if problems:
        return problems
    return parse_framework(raw, file=name)[1]


def _read_source(id_or_path: str) -> tuple[str, str]:
    if id_or_path in BUILTIN_IDS:
        return _builtin_text(id_or_path), f"{id_or_path}.yaml"
    path = Path(id_or_path)
    if not path.is_file():
        known = ", ".join(BUILTIN_IDS)
        raise NotFound(
            f"Không tìm thấy khung chỉ số '{id_or_path}' (có sẵn: {known}, hoặc đường dẫn tới tệp YAML)",
            f"No framework '{id_or_path}' (built-ins: {known}, or a path to a YAML file)",
        )
    return path.read_text("utf-8"), str(path)


@lru_cache(maxsize=32)
def _load_builtin(framework_id: str) -> Framework:
    return _load_text(_builtin_text(framework_id), f"{framework_id}.yaml")


def _load_text(text: str, name: str) -> Framework:
    raw, problems = _read_yaml(text, name)
    framework = None
    if not problems:
        framework, problems = parse_framework(raw, file=name)
    if problems or framework is None:
        raise InvalidInput(
            f"Khung chỉ số {name} không hợp lệ ({len(problems)} lỗi)",
            f"Framework {name} is not valid ({len(problems)} problems)",
            problems,
        )
    return framework


def load_framework(id_or_path: str | Path) -> Framework:
    """Load a built-in framework by id (`qd766`, `dti-province-2022`, ... see BUILTIN_IDS) or a YAML file.

    Args:
        id_or_path: a built-in id or the path of a framework YAML file.

    Returns:
        The validated framework.

    Raises:
        NotFound: neither a built-in id nor an existing file.
        InvalidInput: the document fails the schema or the checks (every problem listed).
    """
    key = str(id_or_path)
    if key in BUILTIN_IDS:
        return _load_builtin(key)
    text, name = _read_source(key)
    return _load_text(text, name)


def framework_from_dict(raw: dict[str, Any]) -> Framework:
    """Build a framework from plain data (e.g. a run log or a stored snapshot), checking it fully.

    Raises:
        InvalidInput: the data is not a sound framework.
    """
    framework, problems = parse_framework(raw)
    if problems or framework is None:
        raise InvalidInput("Khung chỉ số không hợp lệ", "The framework is not valid", problems)
    return framework


def list_builtin_frameworks() -> list[Framework]:
    """Return the frameworks shipped with chiso, in a stable order."""
    return [_load_builtin(framework_id) for framework_id in BUILTIN_IDS]
