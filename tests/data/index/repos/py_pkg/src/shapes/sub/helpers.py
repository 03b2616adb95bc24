from ..base import Shape
from ... import nowhere
from .. import circle


def clamp(x, lo, hi):
    return max(lo, min(x, hi))


def square(x):
    return x * x


def biggest(shapes: list[Shape]) -> Shape:
    return max(shapes, key=lambda s: s.area())
