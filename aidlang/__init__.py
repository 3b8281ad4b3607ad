"""aidlang — medical-assistance (医疗救助) policy as code."""

__version__ = "0.1.0"
