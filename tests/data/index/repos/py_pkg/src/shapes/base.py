import abc
import math as m
from typing import Protocol

DEFAULT_UNITS = "cm"
registry = {}


class Shape(abc.ABC):
    """A shape with an area."""

    sides: int = 0

    @abc.abstractmethod
    def area(self) -> float: ...

    def describe(self, units: str = DEFAULT_UNITS) -> str:
        return f"{type(self).__name__} of {self.area():.2f} {units}^2"


class HasName(Protocol):
    name: str


def register(cls):
    registry[cls.__name__] = cls
    return cls


def tau() -> float:
    return 2 * m.pi
