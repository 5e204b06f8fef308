"""The network as one A2A 1.0 agent: its Agent Card (``card.py``), conversations as A2A
tasks (``tasks.py``) and the A2A methods on them (``handler.py``). The HTTP routes are in
``gateway/routes/a2a.py``."""
