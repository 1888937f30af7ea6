import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "python312"


def test_a_missing_python312_is_one_clear_line(tmp_path):
    # Given a machine whose PATH has neither python3.12 nor pyenv
    result = subprocess.run(["/bin/bash", str(SCRIPT), "--version"], check=False, capture_output=True, text=True,
                            env={"PATH": f"{tmp_path}:/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Python 3.12 is required" in lines[0] and "pyenv install 3.12" in lines[0]


def test_python312_is_found_here():
    result = subprocess.run(["/bin/bash", str(SCRIPT), "-c", "import sys; print(sys.version_info[:2])"],
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "(3, 12)"
