"""AWS adapters: each hides one service behind a small interface the tests can replace."""
