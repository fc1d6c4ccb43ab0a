"""A moto server on 127.0.0.1 with the Cognito fake installed.

``FakeServer`` serves moto's WSGI application (the one ``ThreadedMotoServer`` serves) in a thread of this
process, so ``poolpatch_fake.faults`` applies to it. ``python -m poolpatch_fake.server --port N
[--max-seconds S] [--read-quotas] [--rate CATEGORY=RPS ...] [--per-pool-rps R] [--latency-ms MS]`` runs one
as a process: it prints the endpoint URL on its first line and stops on SIGTERM/SIGINT or after S seconds
(default 3600). Quotas and latency are off unless asked for (see ``faults``).

Besides moto's routes the server answers a small control API under ``/_poolpatch`` (no S3 bucket name can
start with ``_``, so it shadows no path-style request), for a server in another process:

- ``GET /_poolpatch/stats``: ``faults.quota_stats()`` as JSON; ``DELETE`` zeroes them (answers the counts
  it dropped).
- ``GET /_poolpatch/config``: ``{"read_quotas": null | {"rates": {...}, "per_pool_rate": ...},
  "latency_ms": N}``; ``POST`` a JSON object with any of ``read_quotas`` (``true``: the defaults,
  ``false``/``null``: off, or ``{"rates": {...}, "per_pool_rate": R}``) and ``latency_ms`` changes them
  (answers the new configuration; HTTP 400 ``{"message": ...}`` on a bad value).

``fetch_stats``, ``reset_stats`` and ``configure`` call that API (standard library only).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from types import FrameType, TracebackType
from typing import Any

from moto.cognitoidp import models as _cognito_models
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from poolpatch_fake import faults
from poolpatch_fake._patch import install, is_installed, uninstall

__all__ = ["CONTROL_PREFIX", "FakeServer", "configure", "fetch_stats", "main", "reset_stats"]

HOST = "127.0.0.1"
CONTROL_PREFIX = "/_poolpatch"

WsgiApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


class _SharedPoolKey:
    """Stands in for joserfc's ``jwk`` module in ``moto.cognitoidp.models`` while a FakeServer runs.

    moto gives every new user pool the same signing key, imported from its resource file with about 0.1 s
    of RSA checks per CreateUserPool; a fleet of thousands of pools would spend minutes on it. This stand-in
    imports each distinct key once and hands the same (read-only) key object to every pool; everything else
    is joserfc's ``jwk``.
    """

    def __init__(self, jwk_module: Any) -> None:
        self._jwk = jwk_module
        self._lock = threading.Lock()
        self._keys: dict[str, Any] = {}
        shared = self

        class RSAKey:
            @staticmethod
            def import_key(data: Any, *args: Any, **kwargs: Any) -> Any:
                return shared.import_rsa_key(data, *args, **kwargs)

        self.RSAKey = RSAKey

    def import_rsa_key(self, data: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or not isinstance(data, dict):
            return self._jwk.RSAKey.import_key(data, *args, **kwargs)
        cache_key = json.dumps(data, sort_keys=True)
        with self._lock:
            key = self._keys.get(cache_key)
            if key is None:
                key = self._keys[cache_key] = self._jwk.RSAKey.import_key(data)
        return key

    def __getattr__(self, name: str) -> Any:
        return getattr(self._jwk, name)


cognito_models: Any = _cognito_models  # its ``jwk`` global is swapped below
_shared_key_lock = threading.Lock()
_shared_key_users = 0


def _share_pool_key(sharing: bool) -> None:
    """Put the stand-in in place for the first running FakeServer; restore joserfc's for the last."""
    global _shared_key_users  # noqa: PLW0603 - one patch for all servers in this process
    with _shared_key_lock:
        _shared_key_users += 1 if sharing else -1
        current = cognito_models.jwk
        if sharing and _shared_key_users == 1 and not isinstance(current, _SharedPoolKey):
            cognito_models.jwk = _SharedPoolKey(current)
        elif not sharing and _shared_key_users == 0 and isinstance(current, _SharedPoolKey):
            cognito_models.jwk = current._jwk


class FakeServer:
    """Context manager: install the fake, reset moto state and faults, serve on 127.0.0.1 (free port when
    ``port`` is 0); ``endpoint_url`` is set once started; ``stop()`` shuts it down."""

    def __init__(self, port: int = 0) -> None:
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
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
        moto_app = DomainDispatcherApplication(create_backend_app)
        server = make_server(
            HOST, self._port, _with_control(moto_app), threaded=True, request_handler=MotoRequestHandler
        )
        _untraced(server)
        _share_pool_key(True)
        # serve_forever polls for shutdown: every 50 ms instead of 0.5 s, so stop() returns sooner.
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="poolpatch-fake-server",
            daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread
        self.endpoint_url = f"http://{HOST}:{server.server_address[1]}"
        return self

    def stop(self) -> None:
        """Stop serving; uninstall the fake if this server installed it (idempotent)."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None
        _share_pool_key(False)
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


def _untraced(server: BaseWSGIServer) -> None:
    """Serve each request in a thread without a trace function.

    Coverage (``make test``) installs its tracer in every new thread; it measures ``layers/`` only, which no
    server thread runs (the fake imports no poolpatch module), yet tracing moto's request handling made the
    integration tests about a third slower. Requests are still served one thread each.
    """
    serve = server.process_request_thread  # type: ignore[attr-defined]

    def process_request_thread(request: Any, client_address: Any) -> None:
        sys.settrace(None)
        serve(request, client_address)

    server.process_request_thread = process_request_thread  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------- control API (server side)


def _with_control(moto_app: WsgiApp) -> WsgiApp:
    """Serve ``/_poolpatch/...`` here and everything else with moto's application."""

    def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO") or "")
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            response: Iterable[bytes] = _control(Request(environ))(environ, start_response)
            return response
        return moto_app(environ, start_response)

    return application


def _control(request: Request) -> Response:
    route = (request.path, request.method)
    try:
        if route == (f"{CONTROL_PREFIX}/stats", "GET"):
            return _json(faults.quota_stats())
        if route == (f"{CONTROL_PREFIX}/stats", "DELETE"):
            stats = faults.quota_stats()
            faults.reset_quota_stats()
            return _json(stats)
        if route == (f"{CONTROL_PREFIX}/config", "GET"):
            return _json(_config())
        if route == (f"{CONTROL_PREFIX}/config", "POST"):
            _apply_config(json.loads(request.get_data() or b"{}"))
            return _json(_config())
    except (ValueError, TypeError) as error:
        return _json({"message": str(error)}, status=400)
    return _json({"message": f"no control route {request.method} {request.path}"}, status=404)


def _config() -> dict[str, Any]:
    return {"read_quotas": faults.read_quotas(), "latency_ms": faults.latency_ms()}


def _apply_config(document: Any) -> None:
    """Validate the whole document first, then apply it (a bad value changes nothing)."""
    if not isinstance(document, dict):
        raise TypeError("the configuration must be a JSON object")
    unknown = set(document) - {"read_quotas", "latency_ms"}
    if unknown:
        raise ValueError(f"unknown configuration members: {sorted(unknown)}")
    latency = document.get("latency_ms", 0)
    if isinstance(latency, bool) or not isinstance(latency, int | float) or not latency >= 0:
        raise ValueError("latency_ms must be a number of milliseconds, 0 or more")
    quotas = document.get("read_quotas")
    if "read_quotas" in document:
        if quotas is True:
            faults.set_read_quotas()
        elif quotas is None or quotas is False:
            faults.clear_read_quotas()
        elif isinstance(quotas, dict) and set(quotas) <= {"rates", "per_pool_rate"}:
            faults.set_read_quotas(quotas.get("rates"), per_pool_rate=quotas.get("per_pool_rate"))
        else:
            raise ValueError('read_quotas must be true, false, null or {"rates": {...}, "per_pool_rate": R}')
    if "latency_ms" in document:
        faults.set_latency(float(latency))


def _json(document: Any, status: int = 200) -> Response:
    return Response(json.dumps(document, sort_keys=True), status=status, mimetype="application/json")


# ----------------------------------------------------------------------------- control API (client side)


def _call(endpoint_url: str, route: str, method: str, document: Any = None) -> Any:
    data = None if document is None else json.dumps(document).encode()
    request = urllib.request.Request(
        f"{endpoint_url.rstrip('/')}{CONTROL_PREFIX}/{route}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def fetch_stats(endpoint_url: str) -> dict[str, dict[str, dict[str, int]]]:
    """The ``faults.quota_stats()`` of the fake server at ``endpoint_url`` (any process)."""
    stats: dict[str, dict[str, dict[str, int]]] = _call(endpoint_url, "stats", "GET")
    return stats


def reset_stats(endpoint_url: str) -> dict[str, dict[str, dict[str, int]]]:
    """Zero the server's stats; return the counts they held."""
    stats: dict[str, dict[str, dict[str, int]]] = _call(endpoint_url, "stats", "DELETE")
    return stats


_UNCHANGED: Any = object()


def configure(
    endpoint_url: str,
    *,
    read_quotas: bool | Mapping[str, Any] | None = _UNCHANGED,
    latency_ms: float = _UNCHANGED,
) -> dict[str, Any]:
    """Change the server's quotas and/or latency (omitted: unchanged); return its configuration.

    ``read_quotas``: ``True`` (default rates), ``False``/``None`` (off) or ``{"rates": {...},
    "per_pool_rate": R}``.
    """
    document: dict[str, Any] = {}
    if read_quotas is not _UNCHANGED:
        document["read_quotas"] = dict(read_quotas) if isinstance(read_quotas, Mapping) else read_quotas
    if latency_ms is not _UNCHANGED:
        document["latency_ms"] = latency_ms
    config: dict[str, Any] = _call(endpoint_url, "config", "POST", document)
    return config


# ----------------------------------------------------------------------------- command line


def _rate(text: str) -> tuple[str, float]:
    category, separator, rate = text.partition("=")
    if not separator:
        raise argparse.ArgumentTypeError(f"expected CATEGORY=RPS, got {text!r}")
    try:
        return category, float(rate)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a number of requests per second: {rate!r}") from error


def main(argv: list[str] | None = None) -> int:
    """Run a FakeServer until SIGTERM/SIGINT or ``--max-seconds``; print the endpoint URL first."""
    parser = argparse.ArgumentParser(
        prog="python -m poolpatch_fake.server",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free port)")
    parser.add_argument("--max-seconds", type=float, default=3600.0, help="stop after this many seconds")
    parser.add_argument(
        "--read-quotas",
        action="store_true",
        help="throttle per account, Region and category like the service",
    )
    parser.add_argument(
        "--rate",
        type=_rate,
        action="append",
        default=[],
        metavar="CATEGORY=RPS",
        help="override one category's rate (implies --read-quotas; repeatable)",
    )
    parser.add_argument(
        "--per-pool-rps",
        type=float,
        default=None,
        help="also cap each operation per user pool (implies --read-quotas)",
    )
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay every admitted Cognito request")
    args = parser.parse_args(argv)
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with FakeServer(args.port) as server:
        try:
            if args.read_quotas or args.rate or args.per_pool_rps is not None:
                faults.set_read_quotas(dict(args.rate), per_pool_rate=args.per_pool_rps)
            faults.set_latency(args.latency_ms)
        except ValueError as error:
            parser.error(str(error))
        sys.stdout.write(server.endpoint_url + "\n")
        sys.stdout.flush()
        stopping.wait(timeout=args.max_seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
