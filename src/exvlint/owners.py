"""Which units contain a file given on the command line (pre-commit passes the changed files).

Each front end may answer for the files it reads, with a method ``containing_units(path)``: the
paths to lint so that the file is checked in context, or None for a file that is not its own.
Terraform answers with the root modules that call the file's module (``terraform/callers.py``);
ARM (the templates that link or nest a changed template, the template a parameters file belongs
to) and Bicep (the files whose ``module`` declarations use a changed file, the template that a
``.bicepparam`` names) answer the same way. Directories are left as they are: a directory is
scanned whole, and discovery already evaluates called modules through their callers.
"""
from __future__ import annotations

import os


def expand(paths: list) -> list:
    from .frontends import frontends_for

    out: list = []
    for path in paths:
        found = None
        if os.path.isfile(path):
            for frontend in frontends_for([path]):
                answer = getattr(frontend, "containing_units", None)
                found = answer(path) if answer is not None else None
                if found is not None:
                    break
        for p in found if found is not None else [path]:
            if p not in out:
                out.append(p)
    return out
