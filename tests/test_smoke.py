"""A few checks as a user meets terreinen: a fresh process, an installed wheel. (Everything
else runs the command line in-process, which is much faster.)"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from conftest import ROOT

_PROBE = """
import json, sys
from terreinen.cli import main
sys.argv = ["terreinen", *{args!r}]
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({{"code": code}}))
"""


@pytest.mark.parametrize(
    "args", [["--help"], ["capacity", "--help"], ["validate", "--nonsense"], ["nonsense"]]
)
def test_help_and_argument_errors_answer_in_a_fresh_process(args):
    """``--help`` exits 0 and a usage error 2, in a process of its own. (The time it takes is
    in benchmarks/RESULTS.md: the command line imports the library at the top, as every
    module does.)"""
    probe = _PROBE.format(args=args)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["code"] == (0 if "--help" in args else 2)
    assert "Traceback" not in result.stderr


def test_a_bug_is_one_line_without_a_traceback(tmp_path):
    """An internal error (simulated: a module that raises on import) shows no traceback."""
    probe = (
        "import sys, terreinen.io.files as l\n"
        "def broken(*a, **k): raise RuntimeError('simulated bug')\n"
        "l.load_parcels = broken\n"
        "from terreinen.cli import main\n"
        "sys.argv = ['terreinen', 'validate']\n"
        "main()\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 3
    assert "internal error: RuntimeError: simulated bug" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_wheel_runs_the_main_job_from_any_folder(tmp_path):
    """Built as a wheel and installed in a fresh virtual environment, ``terreinen overview``
    finds its embedded data from an empty folder."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "terreinen", source / "terreinen",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", dist, source],
        check=True,
    )  # fmt: skip
    (wheel,) = dist.glob("terreinen-*.whl")
    env_dir = tmp_path / "venv"
    # the dependencies come from this interpreter's site-packages (a .pth file: inside a
    # virtual environment, system_site_packages would give the base interpreter's instead);
    # terreinen from the wheel
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    (Path(purelib) / "running-interpreter.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8"
    )
    subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel], check=True
    )
    work = tmp_path / "empty"
    work.mkdir()
    # the virtual environment's own terreinen, not a checkout named by PYTHONPATH
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run(
        [python, "-c", "import terreinen; print(terreinen.__file__)"],
        capture_output=True, text=True, cwd=work, check=True, env=env,
    )  # fmt: skip
    assert where.stdout.startswith(str(env_dir))
    result = subprocess.run(
        [env_dir / "bin" / "terreinen", "--quiet", "overview", "--as-of", "2026-01-01"],
        capture_output=True, text=True, cwd=work, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Drenthe" in result.stdout and "Totaal" in result.stdout
    assert (work / "maps" / "overview.html").stat().st_size > 100_000
    assert (work / "maps" / "hardenberg.html").exists()
