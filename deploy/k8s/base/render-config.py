"""Render the Tocsin YAML for one pod: every `${TOCSIN_SECRET_*}` placeholder in the template
becomes the value of that environment variable (each one a secretKeyRef in the manifest).

The ConfigMap holds no secret; the rendered file lives in a memory-backed emptyDir that only the
pod sees. A placeholder without its variable stops the pod before Tocsin starts, naming it.

    python render-config.py TEMPLATE TARGET
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

PLACEHOLDER = re.compile(r"\$\{(TOCSIN_SECRET_[A-Z0-9_]+)\}")


def render(template: str, environment: dict[str, str]) -> str:
    missing = sorted({name for name in PLACEHOLDER.findall(template) if name not in environment})
    if missing:
        raise SystemExit(f"render-config: not set: {', '.join(missing)}")
    # A JSON string is a valid double-quoted YAML scalar, whatever the secret's characters.
    return PLACEHOLDER.sub(lambda m: json.dumps(environment[m.group(1)]), template)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        raise SystemExit("usage: render-config.py TEMPLATE TARGET")
    source, target = Path(argv[0]), Path(argv[1])
    rendered = render(source.read_text(), dict(os.environ))
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(rendered)
    print(f"render-config: {target} written")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
