"""The Dockerfiles, read without a Docker engine: what they copy exists and is not ignored, they
install from the lock file, run as a non-root user, check their health and start no migration."""

import fnmatch
import re
import tomllib
from pathlib import Path

import pytest
from ops_support import DEPLOY, REPO_ROOT, Instruction, final_stage, instructions

# Each image and the workspace package whose locked dependencies it installs.
IMAGES = {
    "gateway": "reparo-gateway",
    "repair_service": "reparo-repair-service",
    "cms": "reparo-cms",
    "wechat_sandbox": "reparo-gateway",
}


def copy_sources(step: Instruction) -> list[str]:
    """Sources of a COPY from the build context; empty for a COPY from another stage."""
    words = step.arguments.split()
    if any(word.startswith("--from") for word in words):
        return []
    paths = [word for word in words if not word.startswith("--")]
    return paths[:-1]


def ignore_rules(dockerfile: Path) -> list[tuple[bool, re.Pattern[str]]]:
    """The Dockerfile's own .dockerignore as (excludes, pattern) pairs, in order."""
    rules = []
    ignore_file = dockerfile.with_name(dockerfile.name + ".dockerignore")
    for line in ignore_file.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = fnmatch.translate(pattern).replace(".*", "[^/]*").replace("[^/]*[^/]*", ".*")
        rules.append((not negated, re.compile(regex)))
    return rules


def is_ignored(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents decides."""
    parts = path.strip("/").split("/")
    candidates = ["/".join(parts[: index + 1]) for index in range(len(parts))]
    ignored = False
    for excludes, pattern in rules:
        if any(pattern.fullmatch(candidate) for candidate in candidates):
            ignored = excludes
    return ignored


def workspace_packages() -> set[str]:
    packages = set()
    for pyproject in REPO_ROOT.glob("*/pyproject.toml"):
        packages.add(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["name"])
    return packages


def args_defaults(steps: list[Instruction]) -> dict[str, str]:
    defaults = {}
    for step in steps:
        if step.keyword.upper() == "ARG" and "=" in step.arguments:
            name, value = step.arguments.split("=", 1)
            defaults[name] = value
    return defaults


@pytest.fixture(params=sorted(IMAGES))
def image(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def dockerfile_of(image: str) -> Path:
    return DEPLOY / image / "Dockerfile"


def test_each_image_copies_only_files_that_exist_and_are_sent_to_the_builder(image: str) -> None:
    dockerfile = dockerfile_of(image)
    rules = ignore_rules(dockerfile)

    for step in instructions(dockerfile):
        if step.keyword.upper() != "COPY":
            continue
        sources = copy_sources(step)
        if not sources:
            continue
        if image == "wechat_sandbox" and not (REPO_ROOT / "tests" / "wechat_sandbox").exists():
            pytest.skip("the WeChat sandbox is not in this checkout")
        matches = [path for source in sources for path in REPO_ROOT.glob(source)]
        assert matches, f"{image}: nothing matches {step.arguments}"
        for source in sources:
            if "*" not in source:
                assert (REPO_ROOT / source).exists(), f"{image}: {source} does not exist"
                assert not is_ignored(source, rules), f"{image}: {source} is dockerignored"


def test_each_image_runs_as_a_non_root_user(image: str) -> None:
    users = [
        s.arguments for s in final_stage(instructions(dockerfile_of(image))) if s.keyword == "USER"
    ]

    assert users, f"{image} never switches user"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}, f"{image} runs as {users[-1]}"


def test_each_image_checks_its_own_health(image: str) -> None:
    checks = [
        s.arguments
        for s in final_stage(instructions(dockerfile_of(image)))
        if s.keyword == "HEALTHCHECK"
    ]

    assert len(checks) == 1, image
    assert "CMD" in checks[0]
    assert "healthz" in checks[0]


def test_each_image_starts_its_server_and_no_migration(image: str) -> None:
    stage = final_stage(instructions(dockerfile_of(image)))
    commands = [s.arguments for s in stage if s.keyword in {"CMD", "ENTRYPOINT"}]

    assert len(commands) == 1, image
    assert commands[0].startswith('["uvicorn"'), image
    assert "migrate" not in commands[0]
    assert "alembic" not in commands[0]


def test_each_image_installs_the_locked_dependencies_of_its_own_package(image: str) -> None:
    steps = instructions(dockerfile_of(image))
    syncs = [s.arguments for s in steps if s.keyword == "RUN" and "uv sync" in s.arguments]
    package = IMAGES[image]

    assert package in workspace_packages()
    assert syncs
    for sync in syncs:
        assert "--frozen" in sync, sync
        assert "--no-dev" in sync, sync
        assert f"--package {package}" in sync, sync


def test_each_image_builds_on_slim_python_3_11(image: str) -> None:
    steps = instructions(dockerfile_of(image))
    base = final_stage(steps)[0].arguments.split()[0]

    resolved = re.sub(r"\$\{(\w+)\}", lambda m: args_defaults(steps)[m.group(1)], base)
    assert re.fullmatch(r"python:3\.11-slim(-\w+)?", resolved), resolved


def test_the_gateway_image_installs_its_front_end_packages_from_the_lock_file() -> None:
    steps = instructions(dockerfile_of("gateway"))
    runs = [s.arguments for s in steps if s.keyword == "RUN"]

    assert any(run.startswith("npm ci") for run in runs)
    assert (REPO_ROOT / "gateway" / "package-lock.json").is_file()
    copied = [s.arguments for s in steps if s.keyword == "COPY"]
    assert "--from=assets /src/gateway/node_modules gateway/node_modules" in copied


def test_the_dockerignore_check_notices_an_ignored_source() -> None:
    rules = ignore_rules(dockerfile_of("repair_service"))

    assert is_ignored("repair_service/tests/test_orders.py", rules)
    assert is_ignored(".git/config", rules)
    assert not is_ignored("repair_service/repair_service/app.py", rules)
    sandbox_rules = ignore_rules(dockerfile_of("wechat_sandbox"))
    assert not is_ignored("tests/wechat_sandbox/app.py", sandbox_rules)
    assert is_ignored("tests/ops/test_ops_nginx.py", sandbox_rules)
