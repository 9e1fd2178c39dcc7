"""Shared Outcomes: partner extracts checked against data contracts, stored, and joined into shared outcomes."""

__version__ = "0.1.0"
