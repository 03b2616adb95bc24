"""Headless batch runs: one code action over every matching place in many files."""
