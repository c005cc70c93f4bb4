"""The `httpbin` workload's server: the tutorials' own service, run locally.

The classic asyncio tutorials call a public httpbin's `/delay/N`. This runs
the same software — the PyPI `httpbin` package (the Flask app behind
httpbin.org) — under gunicorn, the WSGI server its own docs and Docker image
use, so `fanout` can send the tutorials' exact call to it:

    python httpbin_server.py --threads 64

It binds 127.0.0.1 on a free port, prints `http://127.0.0.1:PORT` on stdout
once its worker has loaded the app (so no request waits for Flask to
import), and stops when its stdin closes (the harness holds the other end,
so the server never outlives it) or on SIGTERM.

httpbin's `/delay/N` sleeps in the request's thread, so the server's own
concurrency must not cap the fan-out: gunicorn's threaded worker (`gthread`),
one worker process with `--threads` threads (the harness gives at least the
plan's requests in flight; gunicorn starts them as requests arrive), and
room for as many connections. Keep-alive connections wait in gunicorn's
poller, not in a thread.
"""

import argparse
import os
import signal
import sys
import threading

from gunicorn.app.base import BaseApplication


class HttpbinServer(BaseApplication):
    """gunicorn running httpbin's app with the settings above."""

    def __init__(self, threads: int):
        self.threads = threads
        super().__init__()

    def load_config(self):
        settings = {
            "bind": ["127.0.0.1:0"],
            "worker_class": "gthread",
            "workers": 1,
            "threads": self.threads,
            "worker_connections": max(1000, 2 * self.threads),
            "keepalive": 5,
            "graceful_timeout": 2,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
            "control_socket_disable": True,
            "when_ready": self.ready,
            "post_worker_init": self.worker_ready,
        }
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self):
        import httpbin

        return httpbin.app

    @staticmethod
    def worker_ready(worker):
        """In the worker, the app loaded: prints the address (the first line
        the harness reads; a restarted worker's repeat is not read)."""
        host, port = worker.sockets[0].getsockname()[:2]
        print(f"http://{host}:{port}", flush=True)

    @staticmethod
    def ready(arbiter):
        """In the master, listening: stops gunicorn when stdin closes."""

        def watch_stdin():
            sys.stdin.read()  # returns at EOF: the parent is gone
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=watch_stdin, daemon=True).start()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=64, help="gunicorn threads (at least the requests in flight)")
    args = parser.parse_args()
    if not 1 <= args.threads <= 10_000:
        print("error: --threads must be 1..=10000", file=sys.stderr)
        return 2
    HttpbinServer(args.threads).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
