"""A small local HTTP receiver for the outbox tests: it answers each delivery key according to
a plan (fail the first tries), drops repeats of a key it has accepted, and records everything."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: What the receiver does on a key's n-th request: "500", "timeout", "reset" or "ok".
Plan = Callable[[str, int], str]


def always_ok(key: str, attempt: int) -> str:
    return "ok"


@dataclass
class Got:
    key: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    plan: Plan
    hang_seconds: float = 2.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[Got] = field(default_factory=list)  # every request, in arrival order
    accepted: list[Got] = field(default_factory=list)  # the first 2xx of each key, in order
    repeats: list[str] = field(default_factory=list)  # keys sent again after they were accepted
    tries: dict[str, int] = field(default_factory=dict)

    def accepted_keys(self) -> list[str]:
        return [g.key for g in self.accepted]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver

    def handle_error(self, request: Any, client_address: Any) -> None:  # a reset we caused ourselves
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        key = self.headers.get("X-Fengqiao-Delivery", "")
        got = Got(key=key, headers=dict(self.headers.items()), body=body)
        with receiver.lock:
            receiver.requests.append(got)
            receiver.tries[key] = receiver.tries.get(key, 0) + 1
            action = receiver.plan(key, receiver.tries[key])
            if action == "ok":
                if key in {g.key for g in receiver.accepted}:
                    receiver.repeats.append(key)  # an idempotent receiver drops the repeat
                else:
                    receiver.accepted.append(got)
        if action == "500":
            self._answer(500)
        elif action == "timeout":
            time.sleep(receiver.hang_seconds)
            self._answer(503)
        elif action == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        else:
            self._answer(200)

    def _answer(self, code: int) -> None:
        try:
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:
            pass


@contextmanager
def running_receiver(plan: Plan = always_ok, *, hang_seconds: float = 2.0) -> Iterator[Receiver]:
    server = _Server(("127.0.0.1", 0), _Handler)
    host, port = server.server_address[:2]
    receiver = Receiver(url=f"http://{host!s}:{port}/hooks/12345", plan=plan, hang_seconds=hang_seconds)
    server.receiver = receiver
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
