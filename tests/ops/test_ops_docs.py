"""OPERATIONS.md and the scripts it tells operators to run stay in step."""

import re

from ops_support import DEPLOY, REPO_ROOT

OPERATIONS = DEPLOY / "OPERATIONS.md"


def test_every_script_the_guide_names_exists_and_every_script_is_in_the_guide() -> None:
    guide = OPERATIONS.read_text(encoding="utf-8")
    named = set(
        re.findall(r"deploy/(?:scripts|postgres|minio|nginx)/[\w.-]+\.(?:sh|py|conf)", guide)
    )
    scripts = {
        path.relative_to(REPO_ROOT).as_posix()
        for folder in ("scripts", "postgres", "minio")
        for path in (DEPLOY / folder).iterdir()
    }

    assert named, "the guide names no script"
    for path in named:
        assert (REPO_ROOT / path).is_file(), f"OPERATIONS.md names missing {path}"
    assert scripts <= named, f"not documented: {sorted(scripts - named)}"


def test_the_guide_covers_what_an_operator_is_asked_to_do() -> None:
    guide = OPERATIONS.read_text(encoding="utf-8")
    headings = set(re.findall(r"^#+ (.+)$", guide, flags=re.MULTILINE))

    for heading in (
        "First deployment",
        "Upgrades",
        "Scaling a service",
        "Backups and restore",
        "Rotating keys and secrets",
        "Dead letters",
        "Health endpoints",
    ):
        assert heading in headings, heading
    for command in ("list", "show", "replay"):
        assert f"python -m reparo_shared.events.dead_letters {command}" in guide
