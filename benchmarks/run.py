"""Benchmark: exvlint against checkov on the same generated trees, side by side.

    python benchmarks/run.py                      # the full table (30 .. 30,000 resources + one 60,000-resource file)
    python benchmarks/run.py --sizes 30,300 --repeat 3 --no-single
    python benchmarks/run.py --baseline-python /path/to/other/venv/bin/python   # before / after

Run it with the Python that has exvlint installed (e.g. ``.venv/bin/python benchmarks/run.py``).
Trees come from ``generate.py`` (deterministic) and are kept under the cache directory
(``benchmarks/.cache`` unless ``--cache-dir``); checkov is installed there on first use into its own
virtual environment (python-hcl2 and checkov's fork of it both install a package named ``hcl2``,
so they cannot share one).

Every measurement runs in a fresh process, after one untimed warm-up run of each tool on trees up
to 3,000 resources, tools interleaved within each repetition, and the
table prints medians of wall time and of peak memory (max resident set of the process tree) with
the exvlint/checkov ratio. The machines we run on are shared and noisy: compare ratios measured in
one run, not absolute seconds across runs. "warm" is exvlint's second run with its parse cache;
it reads "n/a" while exvlint has no cache (no ``--no-cache`` option). ``--baseline-python`` measures
a second exvlint (another checkout's virtual environment, e.g. the main branch before a change) cold
in the same repetitions, interleaved with the others, in a column of its own.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate_single_file, generate_tree  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# runs a command and prints its wall time and the peak RSS of its whole (waited-for) process tree
MEASURE = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - t
print(json.dumps({"rc": rc, "wall": wall, "rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def measure(cmd: list, env: dict | None = None, timeout: float = 3600) -> dict:
    out = subprocess.run([sys.executable, "-c", MEASURE, *cmd], capture_output=True, text=True, env=env,
                         timeout=timeout)
    if out.returncode != 0:
        raise SystemExit(f"measurement failed for {cmd}: {out.stderr}")
    result = json.loads(out.stdout)
    if result["rc"] not in (0, 1):
        raise SystemExit(f"command failed with exit code {result['rc']}: {' '.join(cmd)}")
    return result


def ensure_checkov(cache: Path, given: str | None) -> str:
    if given:
        return given
    venv = cache / "venv-checkov"
    exe = venv / "bin" / "checkov"
    if not exe.exists():
        print(f"installing checkov into {venv} (once)...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "checkov"], check=True)
    return str(exe)


def ensure_tree(cache: Path, name: str, make) -> tuple:
    """(directory, files) of a generated tree, generated once per cache directory."""
    target = cache / "trees" / name
    stamp = target / ".files"
    if not stamp.exists():
        shutil.rmtree(target, ignore_errors=True)
        files = make(target)
        stamp.write_text(str(files))
    return str(target), int(stamp.read_text())


class Tools:
    def __init__(self, args, cache: Path):
        self.python = args.exvlint_python or sys.executable
        self.baseline = args.baseline_python
        self.checkov = None if args.no_checkov else ensure_checkov(cache, args.checkov)
        self.scratch = Path(tempfile.mkdtemp(prefix="exvlint-bench-"))
        help_text = subprocess.run([self.python, "-m", "exvlint", "check", "--help"], capture_output=True,
                                   text=True).stdout
        self.has_cache = "--no-cache" in help_text

    def exvlint(self, directory: str, python: str | None = None) -> list:
        return [python or self.python, "-m", "exvlint", "check", directory, "--all-vms", "--format", "sarif",
                "--output", os.devnull]

    def exvlint_env(self, warm: bool) -> dict:
        env = dict(os.environ)
        # cold: an empty cache directory every time; warm: one directory that earlier runs filled
        cache_home = self.scratch / "warm-cache" if warm else Path(tempfile.mkdtemp(dir=self.scratch))
        env["XDG_CACHE_HOME"] = str(cache_home)
        return env

    def checkov_cmd(self, directory: str) -> list:
        return [self.checkov, "-d", directory, "-o", "sarif", "--framework", "terraform", "--skip-download",
                "--output-file-path", str(self.scratch / "checkov-out"), "--quiet"]


def bench(tools: Tools, directory: str, repeat: int, with_checkov: bool, timeout: float, warmup: bool = True) -> dict:
    runs: dict = {"cold": [], "warm": [], "baseline": [], "checkov": []}
    if tools.has_cache or warmup:  # fills the warm cache (and the OS file cache) once, untimed
        measure(tools.exvlint(directory), tools.exvlint_env(True), timeout)
    if warmup and tools.baseline:
        measure(tools.exvlint(directory, tools.baseline), tools.exvlint_env(False), timeout)
    if warmup and with_checkov and tools.checkov:
        measure(tools.checkov_cmd(directory), None, timeout)
    for _ in range(repeat):
        runs["cold"].append(measure(tools.exvlint(directory), tools.exvlint_env(False), timeout))
        if tools.has_cache:
            runs["warm"].append(measure(tools.exvlint(directory), tools.exvlint_env(True), timeout))
        if tools.baseline:
            runs["baseline"].append(measure(tools.exvlint(directory, tools.baseline), tools.exvlint_env(False),
                                            timeout))
        if with_checkov and tools.checkov:
            runs["checkov"].append(measure(tools.checkov_cmd(directory), None, timeout))
    return {k: {"wall": statistics.median(r["wall"] for r in v), "rss_mb": statistics.median(r["rss_mb"] for r in v),
                "runs": len(v)} for k, v in runs.items() if v}


def fmt_row(name: str, files: int, res: dict, baseline: bool = False) -> str:
    cold, warm, base, ck = res.get("cold"), res.get("warm"), res.get("baseline"), res.get("checkov")
    cell = lambda r: f"{r['wall']:.2f} s" if r else "n/a"  # noqa: E731
    mem = lambda r: f"{r['rss_mb']:.0f} MB" if r else "–"  # noqa: E731
    ratio = lambda r: f"{r['wall'] / ck['wall']:.3f}" if r and ck else "–"  # noqa: E731
    warm_ratio = f" ({warm['wall'] / cold['wall']:.2f}x cold)" if warm and cold else ""
    reps = max(r["runs"] for r in res.values())
    before = f"{cell(base)} | {ratio(base)} | {mem(base)} | " if baseline else ""
    return (f"| {name} | {files} | {cell(cold)} | {cell(warm)}{warm_ratio} | {before}{cell(ck)} | {ratio(cold)} | "
            f"{mem(cold)} | {mem(ck)} | {reps} |")


def main() -> int:
    ap = argparse.ArgumentParser(description="exvlint vs checkov benchmark (see the module docstring)")
    ap.add_argument("--sizes", default="30,300,3000,30000", help="tree sizes in resources (comma-separated)")
    ap.add_argument("--single", type=int, default=60000, help="resources in the single-file case")
    ap.add_argument("--no-single", action="store_true", help="skip the single-file case")
    ap.add_argument("--repeat", type=int, default=5, help="repetitions for trees up to 3,000 resources")
    ap.add_argument("--repeat-large", type=int, default=1, help="repetitions above 3,000 resources")
    ap.add_argument("--no-checkov", action="store_true")
    ap.add_argument("--checkov-single", action="store_true", help="also run checkov on the single file (slow)")
    ap.add_argument("--checkov", help="an existing checkov executable instead of the harness's own")
    ap.add_argument("--exvlint-python", help="the Python whose exvlint to measure (default: this one)")
    ap.add_argument("--baseline-python", help="a second exvlint to measure alongside (e.g. the main branch's "
                                              "virtual environment): before / after in one run")
    ap.add_argument("--cache-dir", type=Path, default=HERE / ".cache")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per command")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    cache = args.cache_dir.resolve()
    cache.mkdir(parents=True, exist_ok=True)
    tools = Tools(args, cache)
    results = []
    try:
        empty = tools.scratch / "empty"
        empty.mkdir()
        baseline = [measure([tools.python, "-c", "pass"]) for _ in range(args.repeat)]
        results.append(("python -c pass", 0, {"cold": {"wall": statistics.median(r["wall"] for r in baseline),
                                                       "rss_mb": statistics.median(r["rss_mb"] for r in baseline),
                                                       "runs": len(baseline)}}))
        results.append(("start-up: empty directory", 0, bench(tools, str(empty), args.repeat, True, args.timeout)))
        small = tools.scratch / "small-module"
        shutil.copytree(REPO / "examples" / "azure-exchange", small)
        small_files = sum(1 for p in small.rglob("*") if p.is_file())
        results.append(("one small module (examples/azure-exchange)", small_files,
                        bench(tools, str(small), args.repeat, True, args.timeout)))
        for size in [int(s) for s in args.sizes.split(",") if s]:
            directory, files = ensure_tree(cache, f"tree-{size}", lambda d, n=size: generate_tree(d, n))
            reps = args.repeat if size <= 3000 else args.repeat_large
            print(f"... {size} resources ({files} files), {reps} runs", file=sys.stderr)
            results.append((f"{size:,} resources", files, bench(tools, directory, reps, True, args.timeout, size <= 3000)))
        if not args.no_single:
            directory, files = ensure_tree(cache, f"single-{args.single}",
                                           lambda d: generate_single_file(d, args.single))
            size_mb = os.path.getsize(os.path.join(directory, "main.tf")) / 1e6
            print(f"... single file, {args.single} resources, {args.repeat_large} runs", file=sys.stderr)
            results.append((f"one {size_mb:.1f} MB file, {args.single:,} resources", files,
                            bench(tools, directory, args.repeat_large, args.checkov_single, args.timeout, False)))
    finally:
        shutil.rmtree(tools.scratch, ignore_errors=True)

    print(f"exvlint: {tools.python}; " + (f"baseline: {tools.baseline}; " if tools.baseline else "") +
          f"checkov: {tools.checkov or 'not run'} (-o sarif --framework terraform); medians")
    before = "baseline cold | baseline/checkov | baseline peak | " if tools.baseline else ""
    print(f"| work | files | exvlint cold | exvlint warm | {before}checkov | exvlint/checkov | exvlint peak | "
          "checkov peak | runs |")
    print("|---" * (9 + 3 * bool(tools.baseline)) + "|")
    for name, files, res in results:
        print(fmt_row(name, files, res, bool(tools.baseline)))
    per_res = {name: res["cold"]["wall"] for name, _, res in results if name.endswith(" resources") and "cold" in res}
    if "3,000 resources" in per_res and "30,000 resources" in per_res:
        growth = (per_res["30,000 resources"] / 30000) / (per_res["3,000 resources"] / 3000)
        print(f"time per resource at 30,000 / at 3,000: {growth:.2f}")
    if args.json:
        args.json.write_text(json.dumps([{"work": n, "files": f, **r} for n, f, r in results], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
