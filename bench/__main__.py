"""``python -m bench``: run every benchmark, one after another."""

from bench import (
    chat_overload,
    chat_throughput,
    coordinator,
    gateway,
    protocol_throughput,
    protocol_validation,
    registry_load,
    registry_search,
    tracing_cost,
)

BENCHMARKS = [
    protocol_throughput.run,
    protocol_validation.run,
    registry_search.run,
    registry_load.run,
    coordinator.run,
    chat_throughput.run,
    chat_overload.run,
    gateway.run,
    # Last: it sets the process's meter provider, which would count in the others.
    tracing_cost.run,
]


def main() -> None:
    for benchmark in BENCHMARKS:
        benchmark()


if __name__ == "__main__":
    main()
