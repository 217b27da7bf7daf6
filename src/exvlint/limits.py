"""Bounds on the work a small input can cause: exvlint reads code written by strangers.

Every front end and the expression evaluators read the limits of the run in progress
(:func:`current`); the engine sets them from the configuration (``limits:``) for one run
(:func:`use`). Hitting a limit is an input error (EXV000) that names the limit, never a hang.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Limits:
    file_bytes: int = 10 * 1024 * 1024  # one input file
    nesting_depth: int = 200  # brackets, blocks and expressions inside each other
    instances: int = 10_000  # what one count, for_each, dynamic block or copy loop creates
    collection_size: int = 1_000_000  # elements of one list or map that evaluation builds
    # expression steps for one unit (a root module, a template), plus STEPS_PER_BYTE for every byte of
    # configuration it reads: big estates evaluate fully, small inputs cannot loop for long
    evaluation_steps: int = 2_000_000

    @classmethod
    def names(cls) -> tuple:
        return tuple(f.name for f in fields(cls))


STEPS_PER_BYTE = 100


class LimitExceeded(Exception):
    """Raised where a limit is hit; the front end turns it into an EXV000 naming the limit."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{message} (limits.{name} is {getattr(current(), name):,}; raise it in the "
                         "configuration if the input is genuine)")
        self.name = name


_CURRENT: ContextVar = ContextVar("exvlint_limits", default=Limits())


def current() -> Limits:
    return _CURRENT.get()


@contextmanager
def use(limits: Limits):
    token = _CURRENT.set(limits)
    try:
        yield limits
    finally:
        _CURRENT.reset(token)
