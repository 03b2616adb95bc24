"""Small geometry helpers: the sample project radix-ls completes in its quickstart."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    x: float
    y: float

    def distance_to(self, other: Point) -> float:
        """Euclidean distance between two points."""
        return math.hypot(self.x - other.x, self.y - other.y)


@dataclass(frozen=True)
class Circle:
    center: Point
    radius: float

    def area(self) -> float:
        """Area of the circle."""
        return math.pi * self.radius**2

    def circumference(self) -> float:
        """Length of the circle's boundary."""
        return 2 * math.

    def contains(self, point: Point) -> bool:
        """Whether `point` lies inside the circle or on its boundary."""
        return self.center.distance_to(point) <= self.radius
