import subprocess
import sys

import pytest

from srcad.cli import main, parse_wrt


@pytest.mark.parametrize("text,expected", [
    (None, 0), ("0", 0), ("x", "x"), ("0,1", (0, 1)), ("x,y", ("x", "y")), ("w,", ("w",)),
])
def test_parse_wrt(text, expected):
    assert parse_wrt(text) == expected


def test_show_file_target(capsys):
    assert main(["show", "examples/quickstart.py:f", "--wrt", "0,1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("def vjp_f(x1, x2, by=1.0):")
    assert "bx1" in out and "bx2" in out


def test_show_module_target(capsys):
    assert main(["show", "tests.cli_target:energy", "--wrt", "w"]) == 0
    assert "bw" in capsys.readouterr().out


@pytest.mark.parametrize("target,message", [
    ("examples/nope.py:f", "no such file"),
    ("examples/quickstart.py:missing", "no function"),
    ("no_such_module_xyz:f", "cannot import"),
    ("quickstart", "must look like"),
])
def test_bad_targets_are_one_line_errors(target, message, capsys):
    assert main(["show", target]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_console_script_runs():
    proc = subprocess.run([sys.executable, "-m", "srcad.cli", "show", "examples/quickstart.py:f"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "def vjp_f" in proc.stdout


def test_cache_info_and_clear(tmp_path, monkeypatch, capsys):
    import numpy as np

    import srcad
    from tests.cli_target import energy
    monkeypatch.setenv("SRCAD_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("SRCAD_CACHE", raising=False)
    srcad.cache.clear()
    w, x = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    assert srcad.grad(energy)(w, x) == pytest.approx(2 * w * x * x)  # the closed form
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert f"dir: {tmp_path}" in out and "enabled: True" in out
    entries = int(out.split("entries: ")[1].split()[0])
    assert entries >= 1
    assert main(["cache", "clear"]) == 0
    assert f"removed {entries} entr" in capsys.readouterr().out
    assert main(["cache", "info"]) == 0
    assert "entries: 0" in capsys.readouterr().out
