"""``python -m bench``: run every benchmark, one after another."""

from bench import protocol_throughput

BENCHMARKS = [protocol_throughput.run]


def main() -> None:
    for benchmark in BENCHMARKS:
        benchmark()


if __name__ == "__main__":
    main()
