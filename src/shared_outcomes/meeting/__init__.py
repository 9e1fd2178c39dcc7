"""The meeting: commentary beside the figures, the month's sign-off and the board pack."""
