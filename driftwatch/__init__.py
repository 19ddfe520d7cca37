"""driftwatch: configuration-drift detection for Google Cloud."""

__version__ = "0.1.0"
