"""Read a Prometheus scrape page (the text format) the way a test needs it."""

import httpx


def scrape(url: str) -> dict[str, float]:
    """A Prometheus text page as ``{'name{labels}': value}``."""
    values: dict[str, float] = {}
    for line in httpx.get(url, timeout=5).text.splitlines():
        if line and not line.startswith("#"):
            series, _, value = line.rpartition(" ")
            values[series] = float(value)
    return values


def total(values: dict[str, float], name: str, **labels: str) -> float:
    """The sum of the series named ``name`` whose labels include ``labels``."""
    wanted = [f'{key}="{value}"' for key, value in labels.items()]
    return sum(
        value
        for series, value in values.items()
        if series.split("{")[0] == name and all(w in series for w in wanted)
    )
