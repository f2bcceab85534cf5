# Benchmarks (docs/performance.md): `make bench`. Being written.
