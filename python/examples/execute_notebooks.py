"""Executes notebooks top to bottom with nbclient and fails on the first cell error.

Usage: python execute_notebooks.py NOTEBOOK.ipynb...  Each notebook runs in its own
directory with the kernel of this interpreter; outputs are not written back. Exit status 1
when any notebook fails."""

import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main(paths: list[str]) -> int:
    if not paths:
        print("usage: execute_notebooks.py NOTEBOOK.ipynb...", file=sys.stderr)
        return 2
    failed = 0
    for name in paths:
        path = pathlib.Path(name).resolve()
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(notebook, timeout=1800, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}})
        start = time.monotonic()
        try:
            client.execute()
        except CellExecutionError as error:
            failed += 1
            print(f"FAILED {path.name}:\n{error}", file=sys.stderr)
            continue
        print(f"ok     {path.name} ({time.monotonic() - start:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
