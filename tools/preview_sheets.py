"""Preview an exercise's question sheet and answer key without the `exercise` command.

    python tools/preview_sheets.py NETWORK OUT_DIR [KEY ...] [--decimals N]

NETWORK is a network file or a bundled example's name (mazur, xor-batch, ...); each KEY
is an answers-file key (z1_1, dL/dw5, w5+; `sample=2` or `iteration=2` starts a new
block for that sample or iteration).  Without keys, every z and a of the first sample
and the loss are asked.  Writes OUT_DIR/sheet.{md,tex,html} and OUT_DIR/key.{md,tex,html}
(and compiles sheet.tex and key.tex when pdflatex is there), then prints what it wrote.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from backcalc.app.inputs import load
from backcalc.errors import BackcalcError
from backcalc.exercise_sheets import EXTENSIONS, FORMATS, key, sheet


def asked_blocks(keys: list[str], net) -> list[dict]:
    if not keys:
        keys = [f"{stem}{l + 1}_{j + net.index_base}" for l, layer in enumerate(net.layers)
                for stem in ("z", "a") for j in range(layer.size)] + ["loss"]
    blocks: list[dict] = [{}]
    for item in keys:
        if "=" in item:
            name, value = item.split("=", 1)
            if blocks[-1]:
                blocks.append({})
            blocks[-1][name] = int(value)
        else:
            blocks[-1][item] = None
    return [block for block in blocks if block]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("network")
    parser.add_argument("out", type=Path)
    parser.add_argument("keys", nargs="*")
    parser.add_argument("--decimals", type=int, default=4, help="the key's answer decimals")
    args = parser.parse_args()
    try:
        net = load(args.network)
        asked = asked_blocks(args.keys, net)
        args.out.mkdir(parents=True, exist_ok=True)
        for fmt in FORMATS:
            for name, text in (("sheet", sheet(net, asked, fmt=fmt, title=net.title)),
                               ("key", key(net, asked, fmt=fmt, title=net.title,
                                           answer_decimals=args.decimals))):
                path = args.out / f"{name}.{EXTENSIONS[fmt]}"
                path.write_text(text, encoding="utf-8")
                print(f"wrote {path}")
    except BackcalcError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 2
    if shutil.which("pdflatex"):
        for name in ("sheet", "key"):
            done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                                   f"{name}.tex"], cwd=args.out, capture_output=True, text=True)
            print(f"{'compiled' if done.returncode == 0 else 'FAILED to compile'} "
                  f"{args.out / name}.tex")
    return 0


if __name__ == "__main__":
    sys.exit(main())
