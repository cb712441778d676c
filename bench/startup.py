"""Benchmark: the CPU small commands cost, side by side with ``greencare --help``.

Run by hand: ``python bench/startup.py [--repeat 5]``.

Each command runs in a fresh interpreter (``python -m greencare ...``) on the demo database
(built in a temporary folder), compiled modules cached, alternating with ``--help`` so both see the same machine load.
The CPU time (user + system) of each child comes from ``resource.getrusage``; the medians are
printed with their ratio to ``--help`` and the heavy packages each command loaded. The issue's
aim: a listing costs what ``--help`` costs plus its query, so its ratio stays near 1x, and
none of pandas, numpy or pint is loaded.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

COMMANDS = (
    ["facility", "list"],
    ["meter", "list"],
    ["reading", "list"],
    ["factors", "list"],
    ["audit", "list"],
    ["target", "list"],
)
HEAVY = ("pandas", "numpy", "pint", "matplotlib", "textual")

#: Runs the CLI in this interpreter, then names the heavy packages it loaded (on stderr).
_RUN = (
    "import sys\n"
    "from greencare.cli import main\n"
    "try:\n"
    "    main(sys.argv[1:], prog_name='greencare')\n"
    "except SystemExit:\n"
    "    pass\n"
    f"print('LOADED', ','.join(n for n in {HEAVY!r} if n in sys.modules), file=sys.stderr)\n"
)


def _cpu(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-c", _RUN, *args], capture_output=True, text=True,
                          env=env, check=False)  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    loaded = [ln for ln in done.stderr.splitlines() if ln.startswith("LOADED")]
    return cpu, (loaded[-1].removeprefix("LOADED").strip() if loaded else "?") or "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "demo.db"
        env = {**os.environ, "GREENCARE_DB": str(db), "XDG_DATA_HOME": folder}
        # Compiled modules cached as an installed package has them (in the temporary folder,
        # so the source tree is untouched): without it every run compiles greencare again.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "pycache")
        subprocess.run([sys.executable, "-m", "greencare", "--db", str(db), "demo", "--no-tui"],
                       env=env, check=True, capture_output=True)  # fmt: skip
        for args in COMMANDS:  # a first run of each writes its compiled modules
            _cpu(["--db", str(db), *args], env)
        py = statistics.median(_python_cpu(env) for _ in range(opts.repeat))
        print(f"CPU per command on the demo ({opts.repeat} alternating runs, fresh interpreters)")
        print(f"  python -c pass: {py:.3f} s (the interpreter alone)")
        print(f"  {'command':<16} {'CPU s':>7} {'--help':>7} {'ratio':>6}  heavy packages loaded")
        for args in COMMANDS:
            mine, helps, loaded = [], [], ""
            for _ in range(opts.repeat):
                cpu, loaded = _cpu(["--db", str(db), *args], env)
                mine.append(cpu)
                helps.append(_cpu(["--help"], env)[0])
            m, h = statistics.median(mine), statistics.median(helps)
            print(f"  {' '.join(args):<16} {m:7.3f} {h:7.3f} {m / h:5.2f}x  {loaded}")


def _python_cpu(env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


if __name__ == "__main__":
    main()
