"""Shapes package."""

from .circle import Circle
from .sub import helpers

__all__ = ["Circle", "helpers"]
