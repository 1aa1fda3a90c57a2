"""chiso: measure, score, rank and monitor the digital transformation of a province's agencies."""

__version__ = "0.1.0"
