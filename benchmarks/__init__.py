"""Benchmarks: VRPTW instances and synthetic field-service days through the dispatch solver."""
