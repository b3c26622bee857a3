"""Check that committed notebooks are stripped (no outputs, no execution counts, python3 kernel).

Run as ``python -m coachkit._nbcheck notebooks``; exits 1 listing the offenders. Strip with
``nbstripout notebooks/*.ipynb``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def problems(folder: Path) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        try:
            nb = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            found.append(f"{path}: not valid JSON ({exc})")
            continue
        for i, cell in enumerate(nb.get("cells", [])):
            if cell.get("cell_type") == "code" and (
                cell.get("outputs") or cell.get("execution_count")
            ):
                found.append(f"{path}: cell {i} has outputs; run nbstripout {path}")
                break
        kernel = nb.get("metadata", {}).get("kernelspec", {}).get("name")
        if kernel != "python3":
            found.append(f"{path}: kernelspec is {kernel!r}, expected 'python3'")
    return found


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "notebooks")
    bad = problems(folder) if folder.exists() else []
    for line in bad:
        print(line, file=sys.stderr)
    print(f"notebooks stripped: {'no' if bad else 'yes'} ({folder})")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
