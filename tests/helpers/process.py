"""Bounded reads from a child process: a child that stalls fails its test instead of hanging CI."""

from __future__ import annotations

import selectors
import subprocess


def first_line(process: subprocess.Popen[str], timeout: float = 60.0) -> str:
    """The first line ``process`` prints on stdout, stripped, waited for at most ``timeout`` seconds.

    On timeout the child is killed and the test fails with the command that stalled.
    """
    assert process.stdout is not None, "start the process with stdout=subprocess.PIPE"
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        ready = selector.select(timeout)
    if not ready:
        process.kill()
        process.wait()
        raise AssertionError(f"{process.args!r} printed no line within {timeout} s")
    return process.stdout.readline().strip()
