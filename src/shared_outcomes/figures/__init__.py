"""Shared figures: measures, figure rules, disclosure control, caches, timeliness."""
