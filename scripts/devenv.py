"""Run one command with the settings ``make run`` gives its processes.

``uv run python scripts/devenv.py python -m gateway.menu`` sets the menu on the sandbox the
running stack talks to, with the same app id, secret and addresses; any command works the same
way. Variables already set in the environment win, as they do for ``make run``.
"""

import os
import subprocess
import sys

from devstack import prepare_environment


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    environment = {**os.environ, **prepare_environment()}
    return subprocess.run(argv, env=environment, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
