"""A stdlib HTTP server on 127.0.0.1 in a daemon thread: the base of local mode's AWS endpoint emulators
(the API Gateway emulator, the IoT credentials provider). Subclasses answer in `_serve`."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LocalHttpService:
    """Every method (GET, PUT, POST, DELETE, PATCH) goes to `_serve`; nothing is logged per request."""

    thread_name = "local-http"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                service._serve(self)

            do_PUT = do_POST = do_DELETE = do_PATCH = do_GET

            def log_message(self, format: str, *args: Any) -> None:  # quiet: local mode prints alerts only
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    def _serve(self, http: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
