"""A plain website on another origin that embeds the chat widget: for the browser tests and for
trying the widget by hand.

    .venv/bin/python -m tests.e2e.chat_host --carefront http://127.0.0.1:8000 --key KEY \
        [--port 8765]

serves http://localhost:8765/ (add `localhost` to the chat inbox's allowed domains). The page is
deliberately unfriendly: a strict Content-Security-Policy (no inline styles, scripts only from
itself and Carefront) and global styles that would wreck an unisolated widget.
"""

import argparse
import functools
import html
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

HOSTILE_CSS = """
* { font-family: "Comic Sans MS", cursive !important; letter-spacing: 3px; }
button { background: hotpink; border: 5px dashed lime; padding: 40px; }
div, p, li, ol, textarea { color: red; margin: 30px; }
textarea { display: none; }
"""


def host_page(*, carefront: str, key: str, user: dict | None = None, title: str = "Shop") -> str:
    """The HTML of a shop page with the snippet (and, with `user`, a signed-in user)."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(carefront))
    ws_origin = origin.replace("http", "ws", 1)
    csp = (
        f"default-src 'self'; script-src 'self' {origin}; connect-src {origin} {ws_origin}; "
        f"style-src 'self'; img-src 'self' {origin} data:"
    )
    identity = ""
    if user is not None:
        # A separate file: the page's CSP forbids inline scripts.
        identity = '<script src="identity.js"></script>\n'
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{html.escape(csp)}">
<title>{html.escape(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="hostile.css">
</head>
<body>
<h1>{html.escape(title)}</h1>
<p><a href="#products">Products</a></p>
<p id="products">Our products are great.</p>
{identity}<script src="{html.escape(origin)}/static/chat/widget.js"
 data-carefront-chat="{html.escape(key)}" async></script>
</body>
</html>
"""


def write_site(folder: Path, *, carefront: str, key: str, user: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(host_page(carefront=carefront, key=key, user=user))
    (folder / "hostile.css").write_text(HOSTILE_CSS)
    if user is not None:
        (folder / "identity.js").write_text(
            f"window.CarefrontChat = {{user: {json.dumps(user)}}};\n"
        )
    return folder


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:
        pass


@contextmanager
def serve_folder(folder: Path, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[int]:
    """Serve `folder` over HTTP in a thread; yields the port."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer((host, port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--carefront", required=True, help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--key", required=True, help="the chat inbox's public key")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--folder", default="var/chat-host")
    args = parser.parse_args()
    folder = write_site(Path(args.folder), carefront=args.carefront, key=args.key)
    with serve_folder(folder, port=args.port) as port:
        print(f"http://localhost:{port}/  (Ctrl-C to stop)")  # noqa: T201
        threading.Event().wait()


if __name__ == "__main__":
    main()
