"""The gateway: the HTTP front door (REST and Server-Sent Events) to the agents' network."""

__version__ = "0.1.0"
