"""exvlint: finds Exchange servers that infrastructure code would deploy in an unsupported way."""
__version__ = "0.1.0"


def lint(paths, config=None):
    """Lint files or directories; returns an :class:`exvlint.engine.LintResult`."""
    from .engine import lint as _lint

    return _lint(paths, config)


__all__ = ["lint", "__version__"]
