"""The one door to DuckDB: connections, schema, the register, rows, archive, audit log."""
