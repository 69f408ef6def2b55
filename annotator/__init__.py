"""annotator: turn news articles into gold entity and claim labels, in the terminal."""

__version__ = "0.1.0"
