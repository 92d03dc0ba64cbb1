"""`sfvae serve`: start the editor's local web server and print its address."""

from __future__ import annotations

import argparse
import socket

from ..errors import ArgumentError
from .sessions import Limits

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: a free one): the address printed is the real one."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen()   # connections wait in the backlog until uvicorn accepts them
    except OSError as exc:
        raise ArgumentError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    return sock


def url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def _main(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app

    if args.port < 0 or args.port > 65535:
        raise ArgumentError(f"--port must be 0-65535, got {args.port}")
    limits = Limits(max_upload_bytes=int(args.max_upload_mb * 2**20), max_seconds=args.max_seconds,
                    max_sessions=args.max_sessions)
    sock = bind(args.host, args.port)   # first: a taken port fails before the model loads
    local = args.host in LOCAL_HOSTS
    app = create_app(model=args.model, control=args.control, limits=limits,
                     allowed_hosts=["127.0.0.1", "localhost", "::1", "[::1]"] if local else None)
    print(f"sfvae serve: the editor is at {url(sock)} (Ctrl-C to stop)", flush=True)
    if not local:
        print(f"sfvae serve: warning: listening on {args.host}: anyone who can reach this "
              "machine can use the editor", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level=args.log_level))
    server.run(sockets=[sock])
    return 0


def _positive(kind):
    def parse(text: str):
        value = kind(text)
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value
    return parse


def register(sub) -> None:
    p = sub.add_parser("serve", help="the interactive editor in the browser (a local web server)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0: a free one)")
    p.add_argument("--model", default=None, help="model file (default: the shipped model)")
    p.add_argument("--control", default=None, help="control file (default: the shipped one)")
    p.add_argument("--max-upload-mb", type=_positive(float), default=Limits.max_upload_bytes / 2**20,
                   help="largest upload in MB (default: %(default)g)")
    p.add_argument("--max-seconds", type=_positive(float), default=Limits.max_seconds,
                   help="longest clip in seconds (default: %(default)g)")
    p.add_argument("--max-sessions", type=_positive(int), default=Limits.max_sessions,
                   help="sessions kept in memory; the least recently used is dropped beyond "
                        "(default: %(default)d)")
    p.add_argument("--log-level", default="warning",
                   choices=["critical", "error", "warning", "info", "debug"],
                   help="uvicorn's log level (default: warning)")
    p.set_defaults(func=_main)
