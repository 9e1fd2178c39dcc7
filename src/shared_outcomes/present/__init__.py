"""What people see: number formats, page view-models, charts, exports, the scorecard."""
