"""Small importable helpers shared by the test suites (no fixtures, no side effects)."""
