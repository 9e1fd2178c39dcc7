"""Work above the facade: the drop folder and the sample partnership build."""
