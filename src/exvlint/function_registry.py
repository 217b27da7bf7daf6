"""A function library as a registry: each function is a small Python implementation registered
under its name with its arity and its null/unknown policy, and one ``call`` applies them all alike.

Expression languages share this pattern, not one registry: Terraform's and ARM's functions differ
in names, case rules and semantics. A language creates its own :class:`FunctionRegistry` and fills
it with the :meth:`FunctionRegistry.register` decorator.

What ``call`` guarantees, whatever the implementation does:

- an unregistered name gives an unknown value (never an error: exvlint cannot know every function);
- a wrong number of arguments, or a null where the function takes none, is an evaluation error;
- an argument that holds an unknown anywhere makes the result unknown, unless the function was
  registered with ``unknowns=True`` and decides itself;
- an implementation may raise :class:`NotOffline` when its result cannot be known offline (-> unknown);
- a limit (:class:`exvlint.limits.LimitExceeded`) passes through, for the evaluator to report;
- any other exception becomes an evaluation error that names the function, so a buggy or hostile
  input never escapes as a traceback.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from . import limits
from .evaluation import EvalError, contains_unknown, merge_unknown

__all__ = ["FunctionRegistry", "FunctionSpec", "NotOffline", "no_nulls", "all_nulls", "nulls_from"]


class NotOffline(Exception):
    """Raised by an implementation when its result cannot be known offline (the call is unknown)."""


def no_nulls(i: int) -> bool:
    return False


def all_nulls(i: int) -> bool:
    return True


def nulls_from(n: int) -> Callable[[int], bool]:
    """Arguments from position ``n`` on may be null."""
    return lambda i: i >= n


@dataclass(frozen=True)
class FunctionSpec:
    name: str  # as registered (its documented spelling)
    impl: Callable[..., Any]
    min_args: int
    max_args: Optional[int]  # None: variadic
    null_ok: Callable[[int], bool]  # which argument positions may be null
    unknowns: bool  # the implementation handles unknown arguments itself
    wants_ctx: bool  # the implementation takes the caller's context as its first argument


class FunctionRegistry:
    """Name -> :class:`FunctionSpec`, and the one way to call them.

    ``fold_case``: names are looked up case-insensitively (ARM), else exactly (Terraform).
    ``error``: the exception type that means "the language rejects this call".
    """

    def __init__(self, language: str, *, fold_case: bool = False, error: type = EvalError):
        self.language = language
        self.fold_case = fold_case
        self.error = error
        self._specs: dict = {}

    def _key(self, name: str) -> str:
        return name.lower() if self.fold_case else name

    def register(self, name: str, min_args: int, max_args: Optional[int] | str = "same", *,
                 nulls: Callable[[int], bool] = no_nulls, unknowns: bool = False, ctx: bool = False,
                 aliases: tuple = ()) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator: register ``impl`` as function ``name`` (and ``aliases``).

        ``max_args`` defaults to ``min_args``; None means any number.
        """

        def decorate(impl: Callable[..., Any]) -> Callable[..., Any]:
            upper = min_args if max_args == "same" else max_args
            spec = FunctionSpec(name, impl, min_args, upper, nulls, unknowns, ctx)  # type: ignore[arg-type]
            for n in (name,) + tuple(aliases):
                self._specs[self._key(n)] = spec
            return impl

        return decorate

    def get(self, name: str) -> Optional[FunctionSpec]:
        return self._specs.get(self._key(name))

    def __contains__(self, name: str) -> bool:
        return self._key(name) in self._specs

    def names(self) -> list:
        return sorted({spec.name for spec in self._specs.values()})

    def call(self, name: str, args: list, ctx: Any = None) -> Any:
        """Apply function ``name`` to already-evaluated ``args``.

        Returns the result (possibly an Unknown); raises ``self.error`` when the language would
        reject the call. Never raises anything else.
        """
        spec = self.get(name)
        if spec is None:
            return merge_unknown(args, f"function {name}() is not evaluated offline")
        args = list(args)
        self.check_arity(spec, len(args))
        for i, arg in enumerate(args):
            if arg is None and not spec.null_ok(i):
                raise self.error(f"{spec.name}(): argument {i + 1} must not be null")
        if not spec.unknowns and any(contains_unknown(a) for a in args):
            return merge_unknown(args)
        try:
            return spec.impl(ctx, *args) if spec.wants_ctx else spec.impl(*args)
        except self.error as exc:
            message = str(exc)
            prefix = f"{spec.name}("
            raise self.error(message if message.lower().startswith(prefix.lower()) else f"{prefix}): {message}") from None
        except NotOffline as exc:
            return merge_unknown(args, f"{spec.name}(): {exc}")
        except RecursionError:
            raise self.error(f"{spec.name}(): value is nested too deeply") from None
        except limits.LimitExceeded:
            raise
        except Exception as exc:  # never leak anything but the language's error or a limit
            raise self.error(f"{spec.name}(): {exc.__class__.__name__}: {exc}") from None

    def check_arity(self, spec: FunctionSpec, count: int) -> None:
        lo, hi = spec.min_args, spec.max_args
        if lo <= count and (hi is None or count <= hi):
            return
        if hi is None:
            want = f"at least {lo}"
        elif lo == hi:
            want = f"exactly {lo}"
        else:
            want = f"{lo} to {hi}"
        plural = "" if (hi == lo == 1) else "s"
        raise self.error(f"{spec.name}(): expected {want} argument{plural}, got {count}")
