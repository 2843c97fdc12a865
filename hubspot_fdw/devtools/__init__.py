"""Tools for the demo and the benchmarks (not used by the product itself)."""
