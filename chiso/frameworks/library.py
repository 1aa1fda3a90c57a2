"""The library of imported frameworks: a YAML file per version, never overwritten; frameworks layer.

Imports only chiso.errors from chiso. The library is a directory (the CLI uses `<data dir>/frameworks`)
that the loader lists beside the built-ins. A framework whose id is a built-in's or is already in the
library must carry a new version: saving the same id and version with other content is refused,
saving it again unchanged does nothing. Only `revise_framework` replaces a version, for the edits of
the secretariat to a version no period uses yet.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from chiso.errors import Conflict, InvalidInput, NotFound
from chiso.frameworks.loader import BUILTIN_IDS, load_framework, stored_path
from chiso.frameworks.schema import Framework, Node

_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}")


def framework_ref(framework: Framework) -> str:
    """Return the reference that pins one version: `id@version`."""
    return f"{framework.id}@{framework.version}"


def _node_document(node: Node) -> dict[str, Any]:
    data = node.model_dump(mode="json", exclude_defaults=True, exclude={"children", "rule"})
    if node.rule is not None:
        data["rule"] = {"type": node.rule.type, **node.rule.model_dump(mode="json", exclude_defaults=True)}
    if node.children:
        data["children"] = [_node_document(child) for child in node.children]
    return data


def framework_document(framework: Framework) -> dict[str, Any]:
    """Return the framework as compact plain data (defaults left out); loading it gives the same framework."""
    data = framework.model_dump(mode="json", exclude_defaults=True, exclude={"nodes"})
    data["nodes"] = [_node_document(node) for node in framework.nodes]
    return data


def dump_framework_yaml(framework: Framework) -> str:
    """Return the framework as a YAML document a person can read and edit."""
    header = f"# {framework_ref(framework)}\n"
    document = framework_document(framework)
    body = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=110)
    try:  # PyYAML writes a few rare characters it cannot read back: escape everything then
        if yaml.safe_load(body) == document:
            return header + body
    except yaml.YAMLError:
        pass
    return header + yaml.safe_dump(document, allow_unicode=False, sort_keys=False, width=110)


@dataclass(frozen=True)
class SaveResult:
    """What saving did: `created`, `unchanged` (same document already there), `builtin` or `dry_run`."""

    ref: str
    path: Path | None
    status: Literal["created", "unchanged", "builtin", "dry_run"]


def _existing(framework: Framework, directory: Path) -> tuple[Framework | None, bool]:
    """Return the framework already known under this id and version, and whether it is built in."""
    if framework.id in BUILTIN_IDS:
        builtin = load_framework(framework.id)
        if builtin.version == framework.version:
            return builtin, True
    path = stored_path(directory, framework.id, framework.version)
    return (load_framework(path) if path.is_file() else None), False


def save_framework(framework: Framework, directory: Path, *, dry_run: bool = False) -> SaveResult:
    """Store a framework in the library as `<id>@<version>.yaml`, never replacing another document.

    Args:
        framework: a checked framework (e.g. from `read_framework_xlsx`).
        directory: the library; created when missing.
        dry_run: check everything and say what would happen, write nothing.

    Returns:
        The reference, the file and what was done.

    Raises:
        InvalidInput: the id or version cannot name a file (letters, digits, _ . - only), or the
            directory cannot be written.
        Conflict: this id and version already exist (built in or imported) with other content;
            the message asks for a new version.
    """
    ref = framework_ref(framework)
    for what, value in (("id", framework.id), ("version", framework.version)):
        if not _SAFE.fullmatch(value):
            raise InvalidInput(
                f"{what} '{value}' chỉ được dùng chữ, số và _ . - (bắt đầu bằng chữ hoặc số)",
                f"{what} '{value}' may only hold letters, digits and _ . - (starting with a letter or digit)",
            )
    existing, builtin = _existing(framework, directory)
    path = stored_path(directory, framework.id, framework.version)
    if existing is not None and existing.content_hash() != framework.content_hash():
        where_vi = "có sẵn trong chiso" if builtin else f"đã được nhập ({path})"
        where_en = "built into chiso" if builtin else f"already imported ({path})"
        raise Conflict(
            f"Khung chỉ số {ref} {where_vi} với nội dung khác: hãy đặt phiên bản (version) mới; "
            "không ghi đè phiên bản đã có",
            f"Framework {ref} is {where_en} with other content: give it a new version; "
            "an existing version is never overwritten",
        )
    if existing is not None:
        return SaveResult(ref, None if builtin else path, "builtin" if builtin else "unchanged")
    if dry_run:
        return SaveResult(ref, path, "dry_run")
    _write_new(path, dump_framework_yaml(framework))
    return SaveResult(ref, path, "created")


def revise_framework(framework: Framework, directory: Path) -> SaveResult:
    """Replace a version of the library in place with an edited one (same id and version).

    Only for a version no assessment period uses: the caller (chiso.flows.frameworks) checks that,
    since the library knows nothing of periods; a used version gets a new version instead.

    Raises:
        NotFound: this id and version are not in the library (a built-in version never is).
    """
    path = stored_path(directory, framework.id, framework.version)
    if not path.is_file():
        raise NotFound(
            f"Không có {framework_ref(framework)} trong thư viện khung chỉ số để sửa",
            f"{framework_ref(framework)} is not in the framework library, so it cannot be edited in place",
        )
    if load_framework(path).content_hash() == framework.content_hash():
        return SaveResult(framework_ref(framework), path, "unchanged")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".edit-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(dump_framework_yaml(framework))
    os.replace(tmp, path)  # readers see the old file or the new one, never half of one
    return SaveResult(framework_ref(framework), path, "created")


def _write_new(path: Path, text: str) -> None:
    """Write a file that must not exist yet, atomically: readers never see half of it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".import-", suffix=".tmp")
    except OSError as exc:
        raise InvalidInput(
            f"Không ghi được vào thư mục {path.parent}: {exc.strerror}",
            f"Cannot write into {path.parent}: {exc.strerror}",
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.link(tmp, path)  # fails if the file appeared meanwhile: never overwrite
    except FileExistsError:
        raise Conflict(
            f"Tệp {path.name} vừa được tạo bởi một lần nhập khác",
            f"{path.name} was just created by another import",
        ) from None
    finally:
        os.unlink(tmp)
