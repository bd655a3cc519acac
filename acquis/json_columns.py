"""JSON columns with a declared shape: what is written and what is read is checked against a type (a TypedDict,
a list of them), and kept exactly as it is, so that rows written before the type existed read the same."""

from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter
from sqlalchemy import JSON
from sqlalchemy.types import TypeDecorator

Shape = TypeVar("Shape")


class TypedJSON(TypeDecorator[Shape], Generic[Shape]):
    """A JSON column whose values must validate as `shape` (pydantic's rules) when written and when read.

    The value itself is stored and returned, never the validated copy: a check, not a rewrite, so the stored
    bytes stay those of the rows already there (and of anything signed from them)."""

    impl = JSON
    cache_ok = True

    def __init__(self, shape: Any) -> None:
        super().__init__()
        self.shape = shape
        self._adapter: TypeAdapter[Shape] = TypeAdapter(shape)

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is not None:
            self._adapter.validate_python(value)
        return value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is not None:
            self._adapter.validate_python(value)
        return value
