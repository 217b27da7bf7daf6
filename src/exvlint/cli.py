"""Command line: parses arguments, calls :func:`exvlint.api.lint`, writes reports. Nothing more."""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from typing import Optional

from . import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _OrderedInput(argparse.Action):
    """--var-file and --var keep their command-line order (Terraform's precedence)."""

    def __call__(self, parser, namespace, values, option_string=None):
        items = getattr(namespace, "cli_inputs", None) or []
        kind = "file" if option_string == "--var-file" else "var"
        if kind == "var" and "=" not in values:
            parser.error(f"--var needs NAME=VALUE, got {values!r}")
        items.append((kind, values))
        namespace.cli_inputs = items


class _Report(argparse.Action):
    """--format and --output keep their command-line order: an --output belongs to the --format
    just before it."""

    def __call__(self, parser, namespace, values, option_string=None):
        items = getattr(namespace, "reports", None) or []
        items.append(("output" if option_string in ("-o", "--output") else "format", values))
        namespace.reports = items


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"needs a whole number of processes, 1 or more, got {text!r}")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    from .formatters import FORMATS

    parser = argparse.ArgumentParser(
        prog="exvlint", allow_abbrev=False, description="Find Exchange servers that infrastructure code would "
        "deploy in a configuration Microsoft does not support.")
    parser.add_argument("--version", action="version", version=f"exvlint {__version__}")
    sub = parser.add_subparsers(dest="command")

    check = sub.add_parser("check", allow_abbrev=False,
                           help="lint Terraform files or directories (and plan JSON) and ARM templates")
    check.add_argument("paths", nargs="*", default=[], metavar="PATH")
    check.add_argument("-f", "--format", action=_Report, metavar="FORMAT", choices=list(FORMATS),
                       help=f"{', '.join(FORMATS)}; may be repeated, each followed by its --output")
    check.add_argument("-o", "--output", action=_Report, metavar="FILE",
                       help="write the report of the --format just before to FILE; alone, the format comes "
                            "from the extension (" + ", ".join(f"{f.extension} {f.name}" for f in FORMATS.values()
                                                               if f.extension) + ")")
    check.add_argument("-c", "--config", metavar="FILE", help="configuration file (default: nearest .exvlint.yaml)")
    check.add_argument("--var-file", action=_OrderedInput, metavar="FILE", help="Terraform variables file")
    check.add_argument("--var", action=_OrderedInput, metavar="NAME=VALUE", help="Terraform variable")
    check.add_argument("--parameters", action="append", default=[], metavar="FILE",
                       help="ARM parameters file for the templates named on the command line (may be repeated)")
    check.add_argument("--select", metavar="IDS", help="only these rules (comma-separated ids or slugs)")
    check.add_argument("--ignore", metavar="IDS", help="skip these rules (comma-separated ids or slugs)")
    check.add_argument("--fail-level", choices=("error", "warning", "note", "none"),
                       help="lowest level that makes the exit code 1 (default: warning)")
    check.add_argument("--all-vms", action="store_true", help="treat every VM as an Exchange server")
    check.add_argument("--strict", action="store_true", help="report values that could not be resolved (EXV001)")
    check.add_argument("--baseline", metavar="FILE", help="leave out the findings recorded in this baseline file")
    check.add_argument("--write-baseline", metavar="FILE", help="record every current finding in FILE and exit 0")
    check.add_argument("--show-suppressed", action="store_true",
                       help="keep suppressed and baselined findings in the reports, marked as such")
    check.add_argument("-q", "--quiet", action="store_true",
                       help="print findings only: no summary, notes or progress (for hooks)")
    check.add_argument("--no-cache", action="store_true",
                       help="neither read nor write the parse cache in the user's cache folder "
                            "(also EXVLINT_NO_CACHE=1)")
    check.add_argument("-j", "--jobs", type=_jobs, metavar="N",
                       help="worker processes for a large input (default: one per core when it pays; 1: none)")

    rules = sub.add_parser("rules", allow_abbrev=False, help="list the rule catalog")
    rules.add_argument("--format", choices=("text", "json"), default="text")

    explain = sub.add_parser("explain", allow_abbrev=False, help="show one rule's documentation")
    explain.add_argument("rule", metavar="ID", help="rule id or slug, e.g. EXV301 or non-premium-storage")
    explain.add_argument("--format", choices=("text", "markdown"),
                         help="text (the default on a terminal) or markdown (the default otherwise)")
    return parser


def main(argv: Optional[list] = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help/--version
        return int(exc.code or 0)
    command = {"check": lambda: _check(args, parser), "rules": lambda: _rules(args),
               "explain": lambda: _explain(args)}.get(args.command)
    if command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    code = EXIT_OK
    # a run's objects live until its reports are written: turned back on after the lint (engine.lint),
    # the cyclic collector would scan them all at once for nothing (1.4 s of a 60,000-resource run)
    collecting = gc.isenabled()
    gc.disable()
    try:
        code = command()
        sys.stdout.flush()  # here, not at exit, where a reader that has gone would print a traceback
    except BrokenPipeError:  # the reader stopped (`| head`): the rest has no reader, and that is no error
        _unread(sys.stdout, sys.stderr)
    finally:
        if collecting:
            gc.enable()
    return code


def _unread(*streams) -> None:
    """Send what is still to be written to ``streams`` (closed pipes) nowhere, quietly."""
    null = os.open(os.devnull, os.O_WRONLY)
    for stream in streams:
        try:
            os.dup2(null, stream.fileno())
        except (OSError, ValueError):  # not a real file (a test's capture): nothing buffered for it
            pass
    os.close(null)


def _reports(items: list, parser) -> list:
    """[(format, file or None)] from the --format / --output options in command-line order."""
    from .formatters import FORMATS, format_for_file

    reports: list = []
    for kind, value in items:
        if kind == "format":
            reports.append([value, None])
        elif reports and reports[-1][1] is None:
            reports[-1][1] = value
        else:
            fmt = format_for_file(value)
            if fmt is None:
                known = ", ".join(f"{f.extension} ({f.name})" for f in FORMATS.values() if f.extension)
                parser.error(f"--output {value}: cannot tell the format from the extension (known: {known}); "
                             "put a --format before it")
            reports.append([fmt, value])
    if not items:
        reports = [["text", None]]
    if sum(1 for _, out in reports if out is None) > 1:
        parser.error("only one --format may go to standard output; give an --output for the others")
    return [tuple(r) for r in reports]


def _color(stream) -> bool:
    """ANSI colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("NO_COLOR")


class _Progress:
    """A one-line progress indicator on a terminal's standard error, shown once a run takes over a second."""

    def __init__(self, stream):
        self.stream = stream
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, done: int, total: int, unit: str) -> None:
        if time.monotonic() - self.started < 1.0:
            return
        self.shown = True
        text = f"exvlint: {done + 1}/{total} {unit}"
        width = 78
        self.stream.write("\r" + (text if len(text) <= width else text[:width - 1] + "…").ljust(width))
        self.stream.flush()

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 78 + "\r")
            self.stream.flush()


def _check(args, parser) -> int:
    from . import baseline
    from .api import lint
    from .formatters import FORMATS, ReportOptions, summary, write_report
    from .paths import repo_relative

    reports = _reports(getattr(args, "reports", None) or [], parser)
    progress = _Progress(sys.stderr) if not args.quiet and sys.stderr.isatty() else None
    result = lint(args.paths or ["."], config_file=args.config,
                  select=[args.select] if args.select is not None else None,
                  ignore=[args.ignore] if args.ignore else [], fail_level=args.fail_level, all_vms=args.all_vms,
                  strict=args.strict, cli_inputs=list(getattr(args, "cli_inputs", None) or []),
                  parameter_files=list(args.parameters),
                  baseline=args.baseline, show_suppressed=args.show_suppressed or bool(args.write_baseline),
                  progress=progress, jobs=args.jobs, cache=not args.no_cache)
    if progress:
        progress.clear()
    if args.write_baseline:
        kept = [f for f in result.findings if f.suppression is None or f.suppression.kind == "external"]
        error = baseline.write(args.write_baseline, kept, {id(f): repo_relative(f.location.path, result.root)
                                                           for f in kept})
        if error:
            print(f"exvlint: error: {error}", file=sys.stderr)
            return EXIT_ERROR
        if not args.show_suppressed:
            result.findings = [f for f in result.findings if not f.suppressed]
        recorded = sum(1 for f in kept if f.rule_id not in baseline.ALWAYS_REPORTED)
        if not args.quiet:
            print(f"exvlint: recorded {recorded} finding{'s' if recorded != 1 else ''} in {args.write_baseline}",
                  file=sys.stderr)

    files = [out for _, out in reports if out]
    stdout_used = False
    for fmt, out in reports:
        options = ReportOptions(color=out is None and fmt == "text" and _color(sys.stdout),
                                report_files=[f for f in files if f != out], show_suppressed=args.show_suppressed,
                                quiet=args.quiet)
        if out is None:
            try:
                write_report(fmt, result, options, sys.stdout)
                sys.stdout.flush()
            except BrokenPipeError:  # the reader stopped (`| head`): the other reports and the exit code stand
                _unread(sys.stdout)
            stdout_used = FORMATS[fmt].says_what_was_seen
            continue
        try:
            with open(out, "w", encoding="utf-8", newline="\n") as fh:
                write_report(fmt, result, options, fh)
        except OSError as exc:
            print(f"exvlint: error: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_ERROR
    if not args.quiet and not stdout_used:  # no report on standard output says what was seen: say it here
        try:
            print(summary(result), file=sys.stderr)
            for notice in result.notices:
                print(f"note: {notice}", file=sys.stderr)
        except BrokenPipeError:
            _unread(sys.stderr)
    code = result.exit_code()
    if args.write_baseline:
        return EXIT_ERROR if code == EXIT_ERROR else EXIT_OK
    return code


def _rules(args) -> int:
    from .catalog import load_catalog
    from .engine import checked_rules

    catalog = load_catalog()
    checked = checked_rules()
    if args.format == "json":
        data = [{"id": d.id, "name": d.slug, "level": d.level, "platforms": list(d.platforms),
                 "summary": d.summary, "checked": d.id in checked} for d in catalog.values()]
        print(json.dumps(data, indent=2))
        return EXIT_OK
    width = max(len(d.slug) for d in catalog.values())
    for d in catalog.values():
        todo = "" if d.id in checked else "  (documented, not checked yet)"
        print(f"{d.id}  {d.slug:<{width}}  {d.level:<7}  {d.summary}{todo}")
    return EXIT_OK


def _explain(args) -> int:
    from .catalog import load_catalog, resolve_rule
    from .engine import checked_rules

    rid = resolve_rule(args.rule)
    if rid is None:
        print(f"exvlint: error: no rule {args.rule!r}; `exvlint rules` lists them", file=sys.stderr)
        return EXIT_ERROR
    doc = load_catalog()[rid]
    fmt = args.format or ("text" if sys.stdout.isatty() else "markdown")
    print(f"{doc.id} {doc.slug} ({doc.level})\n")
    if rid not in checked_rules():
        print("Not checked yet: this version of exvlint documents the rule but has no check for it.\n")
    if fmt == "text":
        from .mdtext import terminal_text

        print(terminal_text(doc.markdown).rstrip())
    else:
        print(doc.markdown.rstrip())
    return EXIT_OK
