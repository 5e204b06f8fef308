"""The evaluation (``make eval``): does the network answer checkable goals correctly,
and better than its model alone? Goals in ``tests/data/goals.json``, their documents in
``tests/data/eval_docs/``; ``verdict.py`` holds the judging rules."""
