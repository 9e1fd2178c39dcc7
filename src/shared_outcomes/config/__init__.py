"""Files people edit, read into typed models: contracts, the partnership, outcome definitions."""
