"""Areas of simple shapes."""

import math


def circle_area(radius):
    """The area of a circle."""
    return math.pi * radius**2


def rectangle_area(width, height):
    return width * height
