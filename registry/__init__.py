"""The registry: agent cards, leases (online/offline) and capability search."""

__version__ = "0.1.0"
