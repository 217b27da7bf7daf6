"""exvlint: finds Exchange servers that infrastructure code would deploy in an unsupported way."""
__version__ = "0.2.0"


def lint(paths=(".",), config=None, **options):
    """Lint files or directories as ``exvlint check`` does (the same configuration file, the same
    findings); returns an :class:`exvlint.engine.LintResult`. See :func:`exvlint.api.lint`."""
    from .api import lint as _lint

    return _lint(paths, config, **options)


__all__ = ["lint", "__version__"]
