"""The chat service: groups, membership, the durable group log, delivery to members."""

__version__ = "0.1.0"
