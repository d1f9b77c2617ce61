"""A stand-in for the Hugging Face hub on 127.0.0.1, serving model folders under repo ids.

It answers what ``huggingface_hub`` asks when downloading files: HEAD and GET on
``/{repo}/resolve/{revision}/{file}`` with ``X-Repo-Commit``, ``ETag`` and ``Content-Length``,
404 for absent files, and ``/api/models/{repo}/revision/{revision}`` with the commit sha.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote


class FakeHub:
    def __init__(self, repos: dict[str, Path], commit: str = "0123456789abcdef0123456789abcdef01234567") -> None:
        self.repos = repos
        self.commit = commit
        self.requests: list[str] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _file(self) -> tuple[int, bytes, dict[str, str]]:
                path = unquote(self.path.split("?")[0])
                hub.requests.append(f"{self.command} {path}")
                if path.startswith("/api/models/"):
                    rest = path[len("/api/models/") :]
                    repo = "/".join(rest.split("/")[:2])
                    if repo not in hub.repos:
                        return 404, b'{"error": "Repository not found"}', {"X-Error-Code": "RepoNotFound"}
                    siblings = [{"rfilename": f.name} for f in sorted(hub.repos[repo].iterdir()) if f.is_file()]
                    body = json.dumps({"id": repo, "sha": hub.commit, "siblings": siblings}).encode()
                    return 200, body, {"Content-Type": "application/json"}
                parts = path.strip("/").split("/")
                if len(parts) < 5 or parts[2] != "resolve":
                    return 404, b"not found", {}
                repo, filename = "/".join(parts[:2]), "/".join(parts[4:])
                if repo not in hub.repos:
                    return 404, b"Repository not found", {"X-Error-Code": "RepoNotFound"}
                f = hub.repos[repo] / filename
                if not f.is_file():
                    return 404, b"Entry not found", {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": hub.commit}
                body = f.read_bytes()
                etag = '"' + hashlib.sha1(body).hexdigest() + '"'
                return (
                    200,
                    body,
                    {"X-Repo-Commit": hub.commit, "ETag": etag, "Content-Type": "application/octet-stream"},
                )

            def _reply(self, with_body: bool) -> None:
                status, body, headers = self._file()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if with_body:
                    self.wfile.write(body)

            def do_HEAD(self) -> None:
                self._reply(False)

            def do_GET(self) -> None:
                self._reply(True)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeHub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
