#!/usr/bin/env python3
"""The origin server of the Squid end-to-end test: records every request
body it receives.

Standard library only. Answers 200 to GET, POST and PUT (HTTP/1.1,
keep-alive). For each request it appends one JSON line to LOG:
``{"method", "path", "id", "length", "sha256"}`` where ``id`` is the
``X-E2E-Id`` request header (or null). Bodies of at most ``--store-max``
bytes are also kept whole in STORE/<sha256>, so the test can compare
them byte for byte; larger ones (the 200 MB upload) are streamed
through the hash and dropped, never held in memory.

Usage: origin.py --port-file FILE --log LOG --store DIR [--store-max N]
It listens on 127.0.0.1 on a free port and writes the port to FILE once
it accepts connections.
"""

import argparse
import hashlib
import json
import os
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

READ_PIECE = 256 * 1024


class Origin(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "caldicott-e2e-origin/1"

    # Filled in by main().
    log_path = ""
    store_dir = ""
    store_max = 0
    lock = threading.Lock()

    def log_message(self, fmt, *args):  # quiet: the JSON log is the record
        pass

    def _pieces(self):
        """The request body, in pieces: Content-Length or chunked."""
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    raise ConnectionError("eof in chunked body")
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    # Trailers, up to the empty line.
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return
                left = size
                while left:
                    piece = self.rfile.read(min(left, READ_PIECE))
                    if not piece:
                        raise ConnectionError("eof in chunk")
                    left -= len(piece)
                    yield piece
                self.rfile.readline(8)
        else:
            left = int(self.headers.get("Content-Length") or 0)
            while left:
                piece = self.rfile.read(min(left, READ_PIECE))
                if not piece:
                    raise ConnectionError("eof in body")
                left -= len(piece)
                yield piece

    def _handle(self):
        digest = hashlib.sha256()
        length = 0
        kept = []
        for piece in self._pieces():
            digest.update(piece)
            length += len(piece)
            if kept is not None:
                if length <= self.store_max:
                    kept.append(piece)
                else:
                    kept = None
        sha = digest.hexdigest()
        if kept is not None and length:
            path = os.path.join(self.store_dir, sha)
            if not os.path.exists(path):
                fd, tmp = tempfile.mkstemp(dir=self.store_dir)
                with os.fdopen(fd, "wb") as f:
                    f.write(b"".join(kept))
                os.replace(tmp, path)
        record = {
            "method": self.command,
            "path": self.path,
            "id": self.headers.get("X-E2E-Id"),
            "length": length,
            "sha256": sha,
        }
        with self.lock:
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps(record) + "\n")
        answer = json.dumps({"length": length, "sha256": sha}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(answer)

    do_GET = _handle
    do_POST = _handle
    do_PUT = _handle


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--store", required=True)
    p.add_argument("--store-max", type=int, default=16 * 1024 * 1024)
    args = p.parse_args()
    os.makedirs(args.store, exist_ok=True)
    Origin.log_path = args.log
    Origin.store_dir = args.store
    Origin.store_max = args.store_max
    open(args.log, "a").close()
    # A listen backlog for every connection Squid may open at once (the
    # default, 5, drops connections under load: a 1 s SYN retry).
    ThreadingHTTPServer.request_queue_size = 256
    server = ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    server.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, args.port_file)
    print(f"origin: listening on 127.0.0.1:{server.server_address[1]}",
          file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
