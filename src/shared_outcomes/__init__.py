"""Shared Outcomes: partner extracts checked, stored and joined into shared outcomes."""

__version__ = "0.1.0"
