"""A real S3-protocol server on 127.0.0.1 for the tests (moto in server mode, the server s3fs's own
test suite uses), and a TCP relay in front of it that a test can cut to simulate an outage."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing listens on 127.0.0.1:{port}")
            time.sleep(0.05)


class MotoServer:
    """``python -m moto.server`` on a free loopback port, stopped on ``close``."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._log = open(log, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                      "-p", str(self.port)], stdout=self._log,
                                     stderr=subprocess.STDOUT)
        wait_port(self.port)

    def env(self, endpoint: str | None = None) -> dict[str, str]:
        """What a process needs to reach it: the standard AWS settings, nothing sitegen's own."""
        return {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint or self.endpoint}

    def fs(self):
        import s3fs
        return s3fs.S3FileSystem(key="testing", secret="testing", use_listings_cache=False,
                                 client_kwargs={"endpoint_url": self.endpoint})

    def bucket(self, name: str) -> str:
        self.fs().call_s3("create_bucket", Bucket=name)
        return name

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        self._log.close()


class Relay:
    """Forwards 127.0.0.1:<port> to a target port; ``cut()`` closes the listener and every open
    connection (the endpoint is down: connections are refused), ``restore()`` listens again."""

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


def machine_env(server_env: dict, cache: Path, host: str, store: str) -> dict[str, str]:
    """A "machine": its own spool and cache folder and host name, the shared bucket as its store."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SITEGEN_", "AWS_"))}
    env.update(server_env)
    env.update(SITEGEN_CACHE_DIR=str(cache), SITEGEN_HOST=host, SITEGEN_STORE=store,
               SITEGEN_UPLOAD_PATIENCE="60")  # a detached final upload never outlives the suite
    return env


def detached_uploaders(cache: Path) -> list[int]:
    """Pids of the detached final uploads (`python -m sitegen.sync`) of runs spooled in ``cache``."""
    import subprocess
    out = subprocess.run(["pgrep", "-f", f"sitegen.sync {cache}"], capture_output=True, text=True)
    return [int(pid) for pid in out.stdout.split()]
