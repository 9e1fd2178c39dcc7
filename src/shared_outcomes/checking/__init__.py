"""Checking an extract against its contract: reading, sniffing, header, rules, findings, report."""
