"""The chat widget's weight on a customer's website: the bytes a visitor downloads.

    .venv/bin/python bench/widget_size.py

Measures carefront/inboxes/chat/static/chat/widget.js (the readable source the snippet loads)
and widget.min.js (the same code minified with terser, committed beside it), raw and gzipped
(level 9, as a web server or WhiteNoise's compressed storage would send it). Prints a markdown
table, then one JSON line for bench/run.py.

To rebuild the minified copy after changing the source (terser from npm; not a dependency of
Carefront, nothing runs it at build or run time):

    S=carefront/inboxes/chat/static/chat
    { echo "/* Carefront chat widget, minified widget.js sha256=$(sha256sum $S/widget.js \
        | cut -c1-64) */"
      npx terser $S/widget.js --compress --mangle --comments false; } > $S/widget.min.js
"""

import gzip
import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "carefront" / "inboxes" / "chat" / "static" / "chat"


def measure(path: Path) -> dict:
    data = path.read_bytes()
    return {"raw": len(data), "gzip": len(gzip.compress(data, compresslevel=9, mtime=0))}


def main() -> None:
    result = {"source": measure(STATIC / "widget.js")}
    minified = STATIC / "widget.min.js"
    if minified.exists():
        result["minified"] = measure(minified)
        # A stale minified copy would measure (and serve) old code: its preamble names the
        # source it was made from.
        made_from = re.search(rb"sha256=([0-9a-f]{64})", minified.read_bytes()[:200])
        source_hash = hashlib.sha256((STATIC / "widget.js").read_bytes()).hexdigest()
        result["minified_stale"] = made_from is None or made_from.group(1).decode() != source_hash
    print("| file | bytes | gzipped |")
    print("|---|---|---|")
    for name, sizes in result.items():
        if isinstance(sizes, dict):
            print(f"| {name} | {sizes['raw']:,} | {sizes['gzip']:,} |")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
