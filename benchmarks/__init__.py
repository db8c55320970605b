"""drflow's benchmarks: ``uv run python -m benchmarks [--quick]`` (see RESULTS.md)."""
