"""stackgen: choose Flask or Django, generate a starter that works, keep it updated."""

__version__ = "0.1.0"
