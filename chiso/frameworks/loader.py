"""Load frameworks from the built-in YAML files, the province's library or a file; frameworks layer.

Imports only chiso.errors from chiso. Reading the YAML file is the loader's job; the scoring engine
only ever receives a parsed Framework. The library is a directory of imported frameworks, one file
`<id>@<version>.yaml` each (see chiso.frameworks.library); callers pass it as `directory` (the CLI
passes `<data dir>/frameworks`). A reference is a built-in id, `id@version`, an id of the library
(its newest version) or a path.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from chiso.errors import InvalidInput, NotFound, Problem
from chiso.frameworks.bounded_yaml import load_bounded_yaml
from chiso.frameworks.schema import Framework
from chiso.frameworks.uncertainty import UncertaintySpec, default_uncertainty, uncertainty_from_dict
from chiso.frameworks.validate import check_framework_model, problems_from_validation

BUILTIN_IDS: tuple[str, ...] = (
    "qd766",
    "dti-province-2022",
    "danang-it",
    "danang-it-2026",
    "dti-province-2025",
    "cds-departments-2025",
    "cds-communes-2025",
    "danang-cds-2025",
)
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*@[A-Za-z0-9_.\-]+")


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
        return load_bounded_yaml(text), []
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


def check_framework(path: str | Path, *, directory: Path | None = None) -> list[Problem]:
    """Check a framework file and return every problem, each naming the exact node path.

    Args:
        path: a YAML file, or a reference to a built-in or library framework.
        directory: the library of imported frameworks, if any.

    Returns:
        The problems (unknown rule, children's max not adding up, duplicate codes, bands that
        overlap or leave gaps, units without a plausible range, ...); empty when the framework is sound.
    """
    text, name = _read_source(str(path), directory)
    raw, problems = _read_yaml(text, name)
    if problems:
        return problems
    return parse_framework(raw, file=name)[1]


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Return a sort key that orders versions naturally: 2025.2 < 2025.10 < 2026.1."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", version) if p)


def stored_path(directory: Path, framework_id: str, version: str) -> Path:
    """Return the library file of one version of a framework: `<directory>/<id>@<version>.yaml`."""
    return directory / f"{framework_id}@{version}.yaml"


def _library(directory: Path | None, framework_id: str = "*") -> list[Path]:
    """Return the library files `<id>@<version>.yaml` of one id (all ids with "*"), oldest version first."""
    if (
        directory is None
        or not directory.is_dir()
        or not (framework_id == "*" or _ID.fullmatch(framework_id))
    ):
        return []
    files = [p for p in directory.glob(f"{framework_id}@*.yaml") if p.is_file()]
    return sorted(files, key=lambda p: (p.stem.partition("@")[0], version_key(p.stem.partition("@")[2])))


def _pinned(ref: str) -> tuple[str, str] | None:
    """Return (id, version) when `ref` reads `id@version` (and is not the path of a file)."""
    if not _REF.fullmatch(ref) or Path(ref).is_file():
        return None
    framework_id, _, version = ref.partition("@")
    return framework_id, version


def _not_found(ref: str, directory: Path | None) -> NotFound:
    known = ", ".join([*BUILTIN_IDS, *(p.stem for p in _library(directory))])
    return NotFound(
        f"Không tìm thấy khung chỉ số '{ref}' (có: {known}; hoặc đường dẫn tới tệp YAML)",
        f"No framework '{ref}' (known: {known}; or a path to a YAML file)",
    )


def _read_source(ref: str, directory: Path | None) -> tuple[str, str]:
    """Return the YAML text and file name of a reference: built-in id, id@version, library id or path."""
    pinned = _pinned(ref)
    if pinned is not None:
        framework_id, version = pinned
        if framework_id in BUILTIN_IDS and version == _load_builtin(framework_id).version:
            return _builtin_text(framework_id), f"{framework_id}.yaml"
        if directory is None or not stored_path(directory, framework_id, version).is_file():
            raise _not_found(ref, directory)
        found = stored_path(directory, framework_id, version)
    elif ref in BUILTIN_IDS:
        return _builtin_text(ref), f"{ref}.yaml"
    elif versions := _library(directory, ref):
        found = versions[-1]
    elif Path(ref).is_file():
        return Path(ref).read_text("utf-8"), ref
    else:
        raise _not_found(ref, directory)
    return found.read_text("utf-8"), found.name


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


def load_framework(id_or_path: str | Path, *, directory: Path | None = None) -> Framework:
    """Load a framework: built-in id (`qd766`, ...), `id@version`, an id of the library, or a YAML file.

    Args:
        id_or_path: the reference. A built-in id always means the built-in (so a period keeps its
            framework when a new version is imported); pin a library version with `id@version`.
        directory: the library of imported frameworks, if any.

    Returns:
        The validated framework.

    Raises:
        NotFound: no such built-in, library framework or file.
        InvalidInput: the document fails the schema or the checks (every problem listed).
    """
    key = str(id_or_path)
    if key in BUILTIN_IDS:
        return _load_builtin(key)
    text, name = _read_source(key, directory)
    framework = _load_text(text, name)
    pinned = _pinned(key)
    if pinned and (framework.id, framework.version) != pinned:
        raise InvalidInput(
            f"Tệp {name} chứa {framework.id}@{framework.version}, không phải {key}",
            f"The file {name} holds {framework.id}@{framework.version}, not {key}",
        )
    return framework


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


def list_frameworks(directory: Path | None = None) -> list[Framework]:
    """Return the built-in frameworks, then those of the library by id and version.

    Raises:
        InvalidInput: a library file is not a sound framework (it names the file).
    """
    imported = [_load_text(p.read_text("utf-8"), p.name) for p in _library(directory)]
    return list_builtin_frameworks() + sorted(imported, key=lambda f: (f.id, version_key(f.version)))


def uncertainty_path(id_or_path: str | Path) -> Path | None:
    """Return the uncertainty spec beside a framework (`<name>.uncertainty.yaml`), or None if there is none.

    Args:
        id_or_path: a built-in id or the path of a framework YAML file.
    """
    key = str(id_or_path)
    if key in BUILTIN_IDS:
        beside = resources.files("chiso.frameworks").joinpath("builtin", f"{key}.uncertainty.yaml")
        return Path(str(beside)) if beside.is_file() else None
    path = Path(key)
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    candidate = path.with_name(f"{stem}.uncertainty.yaml")
    return candidate if candidate.is_file() else None


def load_uncertainty(
    framework: Framework, path: str | Path | None = None, *, framework_source: str | Path | None = None
) -> UncertaintySpec:
    """Load the uncertainty spec of a framework: the given file, else the one beside the framework,
    else the default (see chiso.frameworks.uncertainty.default_uncertainty).

    Raises:
        NotFound: a given file does not exist.
        InvalidInput: the file is not a sound spec for this framework (every problem listed).
    """
    if path is None and framework_source is not None:
        path = uncertainty_path(framework_source)
    if path is None:
        return default_uncertainty(framework)
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"Không tìm thấy tệp đặc tả bất định {path}", f"No uncertainty spec file {path}")
    raw, problems = _read_yaml(path.read_text("utf-8"), str(path))
    if problems:
        raise InvalidInput("Tệp đặc tả bất định không đọc được", "Unreadable uncertainty spec", problems)
    return uncertainty_from_dict(raw, framework, file=str(path))
