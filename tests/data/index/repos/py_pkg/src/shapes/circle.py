from __future__ import annotations

from shapes.base import Shape, register, tau
from . import base

from .sub.helpers import clamp as clamp_value, square


@register
class Circle(Shape):
    def __init__(self, radius: float) -> None:
        self.radius = clamp_value(radius, 0.0, 1e9)

    def area(
        self,
    ) -> float:
        return tau() / 2 * square(self.radius)

    class Unit:
        name = "circle"

        def scale(self, k):
            return Circle(k)


def unit_circle() -> Circle:
    return Circle(1.0)


if __name__ == "__main__":
    print(unit_circle().describe())
