"""A TCP relay that can be made to hang: the database "accepts connections but never
answers", as behind a dead load balancer or a frozen VM."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class Relay:
    """Forwards 127.0.0.1:port to `target` until `hang()`; then keeps accepting and
    reading, and forwards nothing, until `release()` drops what it held, or `heal()`
    lets new connections through while those it held stay a black hole (open, their
    bytes dropped: a dead network path nobody resets)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._hanging = threading.Event()
        self._open: list[socket.socket] = []
        self._dead: set[int] = set()  # ids of sockets held as a black hole for good
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def hang(self) -> None:
        with self._lock:
            self._dead.update(id(sock) for sock in self._open)
        self._hanging.set()

    def heal(self) -> None:
        """New connections are forwarded again; every connection open while hanging
        stays silent (never closed, never answered)."""
        with self._lock:
            self._dead.update(id(sock) for sock in self._open)
        self._hanging.clear()

    def release(self) -> None:
        """Forward again; connections held while hanging are closed (their clients see
        an error and reconnect, as after a real outage)."""
        with self._lock:
            held, self._open = self._open, []
            self._dead.clear()
        self._hanging.clear()
        for sock in held:
            # shutdown wakes a thread blocked reading it and sends the peer its FIN;
            # close alone would leave both waiting
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self._listener.close()
        self.release()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._open.append(client)
            if self._hanging.is_set():
                threading.Thread(target=self._swallow, args=(client,), daemon=True).start()
                continue
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.append(server)
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _swallow(self, sock: socket.socket) -> None:
        try:
            while sock.recv(65536):
                pass
        except OSError:
            pass

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if self._hanging.is_set() or id(source) in self._dead:
                    self._swallow(source)  # read on, answer nothing
                    return
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@contextmanager
def relay_to(host: str, port: int) -> Iterator[Relay]:
    relay = Relay((host, port))
    try:
        yield relay
    finally:
        relay.close()
