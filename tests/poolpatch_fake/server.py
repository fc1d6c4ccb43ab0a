"""A moto server on 127.0.0.1 with the Cognito fake installed.

``FakeServer`` runs moto's ``ThreadedMotoServer`` in this process, so ``poolpatch_fake.faults`` applies to
it. ``python -m poolpatch_fake.server --port N [--max-seconds S]`` runs one as a process: it prints the
endpoint URL on its first line and stops on SIGTERM/SIGINT or after S seconds (default 3600).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType, TracebackType

from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from poolpatch_fake import faults
from poolpatch_fake._patch import install, is_installed, uninstall

__all__ = ["FakeServer", "main"]

HOST = "127.0.0.1"


class FakeServer:
    """Context manager: install the fake, reset moto state and faults, serve on 127.0.0.1 (free port when
    ``port`` is 0); ``endpoint_url`` is set once started; ``stop()`` shuts it down."""

    def __init__(self, port: int = 0) -> None:
        self._port = port
        self._server: ThreadedMotoServer | None = None
        self._installed_here = False
        self.endpoint_url = ""

    def start(self) -> FakeServer:
        """Start serving (no-op when already started) and return self."""
        if self._server is not None:
            return self
        self._installed_here = not is_installed()
        install()
        moto_api_backend.reset()
        faults.reset()
        # werkzeug logs one line per request to stderr; the demo and benchmarks stay readable without it.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = ThreadedMotoServer(ip_address=HOST, port=self._port, verbose=False)
        server.start()
        self._server = server
        _, port = server.get_host_and_port()
        self.endpoint_url = f"http://{HOST}:{port}"
        return self

    def stop(self) -> None:
        """Stop serving; uninstall the fake if this server installed it (idempotent)."""
        if self._server is None:
            return
        self._server.stop()
        self._server = None
        if self._installed_here:
            uninstall()
            self._installed_here = False

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """Run a FakeServer until SIGTERM/SIGINT or ``--max-seconds``; print the endpoint URL first."""
    parser = argparse.ArgumentParser(prog="python -m poolpatch_fake.server", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free port)")
    parser.add_argument("--max-seconds", type=float, default=3600.0, help="stop after this many seconds")
    args = parser.parse_args(argv)
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with FakeServer(args.port) as server:
        sys.stdout.write(server.endpoint_url + "\n")
        sys.stdout.flush()
        stopping.wait(timeout=args.max_seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
