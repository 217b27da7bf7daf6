"""``exvlint:ignore`` comments in Bicep, as neutral suppression directives.

``// exvlint:ignore EXV301 reason`` (or ``/* ... */``) on the line of a declaration, a property or an
array element, or directly above it (other comment lines may stand between), covers that construct and
everything inside it: on a ``resource``, its body and nested resources; on a ``module``, everything the
module deploys (findings carry the module declarations that create their resources as anchors); inside
a module file, that resource for every caller. The parser keeps the comments and each construct's lines.
"""
from __future__ import annotations

from ..suppress import comment_directives
from .parse import BicepSyntaxError, parse


def file_directives(path: str, text: str) -> list:
    """The directives of a Bicep file's text (none when it does not parse: that is reported elsewhere)."""
    try:
        program = parse(text, path, params_file=path.endswith(".bicepparam"))
    except (BicepSyntaxError, RecursionError):
        return []
    return comment_directives(path, program.comments, program.spans)
