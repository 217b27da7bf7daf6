"""Which units contain a file given on the command line (pre-commit passes the changed files).

Each front end answers for the files it reads: a function ``path -> list of paths to lint`` that
returns None for files that are not its own. Terraform answers with the root modules that call the
file's module (``terraform/callers.py``); ARM templates (the templates that link or nest a changed
template, the template a parameters file belongs to) and Bicep (the files whose ``module``
declarations use a changed file, the template a ``.bicepparam`` names) add theirs to ``FINDERS``.
Directories are left as they are: a directory is scanned whole, and discovery already evaluates
called modules through their callers.
"""
from __future__ import annotations

import os

from .terraform.callers import containing_units as _terraform

FINDERS = [_terraform]


def expand(paths: list) -> list:
    out: list = []
    for path in paths:
        found = None
        if os.path.isfile(path):
            for finder in FINDERS:
                found = finder(path)
                if found is not None:
                    break
        for p in found if found is not None else [path]:
            if p not in out:
                out.append(p)
    return out
