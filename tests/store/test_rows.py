"""`model_of`: an out model read from a row's same-named attributes, some fields given."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from pydantic import BaseModel

from chiso.store.rows import model_of


class FileOut(BaseModel):
    id: int
    filename: str


class ItemOut(BaseModel):
    id: int
    title: str
    overdue: bool
    files: list[FileOut] = []
    note: str | None = None


@dataclass
class File:
    id: int
    filename: str
    sha256: str = "ab"


@dataclass
class Item:
    id: int
    title: str
    owner: str = "x"
    files: list[File] = field(default_factory=list)


def test_fields_come_from_the_row_and_the_given_ones() -> None:
    row = Item(1, "Nâng cấp", files=[File(7, "a.pdf")])
    out = model_of(ItemOut, row, overdue=True, title="Given")
    assert out == ItemOut(id=1, title="Given", overdue=True, files=[FileOut(id=7, filename="a.pdf")])


def test_a_field_neither_on_the_row_nor_given_takes_its_default_or_is_refused() -> None:
    assert model_of(ItemOut, Item(2, "T"), overdue=False).note is None
    with pytest.raises(ValueError):
        model_of(ItemOut, Item(2, "T"))  # overdue is required


def test_a_given_name_that_is_no_field_is_refused() -> None:
    with pytest.raises(TypeError, match="overdu"):
        model_of(ItemOut, Item(3, "T"), overdu=True)
