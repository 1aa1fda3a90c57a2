"""A stored row as an API model: the model's fields read from the row's attributes of the same names.

Data layer; pydantic and plain Python only. Every room builds its "out" models from its rows this way
instead of copying each field by hand; the fields that are not the row's (a joined name, a computed flag)
are given by keyword.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

Model = TypeVar("Model", bound=BaseModel)


class _RowWith:
    """The row's attributes, some of them given instead (what pydantic's attribute mode reads)."""

    def __init__(self, row: object, given: dict[str, Any]) -> None:
        self._row = row
        self._given = given

    def __getattr__(self, name: str) -> Any:
        given = self.__dict__["_given"]
        return given[name] if name in given else getattr(self.__dict__["_row"], name)


def model_of(model: type[Model], row: object, **given: Any) -> Model:
    """Return `model` with each field read from the row's attribute of that name, or from `given`.

    A field the row lacks and that is not given takes its default (else the model refuses it), as in
    pydantic's `from_attributes` mode; nested models are read from the row's related rows the same way.

    Raises:
        TypeError: a given name is not a field of the model (a typo would otherwise be dropped silently).
    """
    unknown = sorted(set(given) - set(model.model_fields))
    if unknown:
        raise TypeError(f"{model.__name__} has no field {', '.join(unknown)}")
    return model.model_validate(_RowWith(row, given), from_attributes=True)
