"""The operator's shell scripts parse and can be run as they are documented."""

import os
import subprocess
from pathlib import Path

import pytest
from ops_support import DEPLOY

SHELL_SCRIPTS = sorted(DEPLOY.glob("*/*.sh"))


@pytest.mark.parametrize("script", SHELL_SCRIPTS, ids=lambda path: path.name)
def test_each_shell_script_parses_and_is_executable(script: Path) -> None:
    shell = "sh" if script.read_text(encoding="utf-8").startswith("#!/bin/sh") else "bash"

    parsed = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True, check=False)

    assert parsed.returncode == 0, parsed.stderr
    assert os.access(script, os.X_OK), f"{script.name} is not executable"


def test_the_scripts_found_are_the_ones_shipped() -> None:
    names = {script.name for script in SHELL_SCRIPTS}

    assert {"backup_db.sh", "restore_db.sh", "init-databases.sh", "create-buckets.sh"} <= names
