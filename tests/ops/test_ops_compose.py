"""docker-compose.yml: valid against the Compose specification, and wired the way ops needs.

No Docker engine runs here, so these read the file: the schema, what each service runs after,
which files it mounts, and which secrets stay out of git.
"""

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from ops_support import DEPLOY, NGINX_TEMPLATE, REPO_ROOT, run_script

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
INIT_ENV = DEPLOY / "scripts" / "init_env.sh"

# Each service with a database, and the one-shot service that migrates it.
MIGRATIONS = {"repair_service": "repair-migrate", "cms": "cms-migrate"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def test_the_compose_file_validates_against_the_compose_specification() -> None:
    checker = Path(sys.executable).with_name("check-jsonschema")

    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_every_service_starts_only_after_its_migration_succeeded(compose: dict[str, Any]) -> None:
    for service, migrate in MIGRATIONS.items():
        depends = services(compose)[service]["depends_on"]
        assert depends[migrate] == {"condition": "service_completed_successfully"}
        assert services(compose)[migrate]["restart"] == "no"
        assert services(compose)[migrate]["image"] == services(compose)[service]["image"]


def test_migrations_are_a_command_of_their_own_never_part_of_start_up(
    compose: dict[str, Any],
) -> None:
    for name, service in services(compose).items():
        command = " ".join(service.get("command") or [])
        runs_migrations = "alembic" in command or "migrate" in command
        assert runs_migrations == (name in MIGRATIONS.values()), name


def test_the_wechat_sandbox_exists_only_in_the_demo_profile(compose: dict[str, Any]) -> None:
    sandbox_services = [
        name
        for name, service in services(compose).items()
        if "sandbox" in str(service.get("image"))
    ]

    assert sandbox_services == ["wechat-sandbox"]
    assert services(compose)["wechat-sandbox"]["profiles"] == ["demo"]
    for name, service in services(compose).items():
        assert "wechat-sandbox" not in (service.get("depends_on") or {}), name
    # Without the demo variables every service talks to WeChat's real hosts.
    assert "${REPARO_WECHAT_SANDBOX_URL:-}" in COMPOSE_FILE.read_text(encoding="utf-8")


def test_postgres_gets_one_database_per_service_from_the_init_script(
    compose: dict[str, Any],
) -> None:
    volumes = services(compose)["postgres"]["volumes"]
    init = [v for v in volumes if "/docker-entrypoint-initdb.d/" in v]

    assert init == [
        "./deploy/postgres/init-databases.sh:/docker-entrypoint-initdb.d/10-init-databases.sh:ro"
    ]


def test_every_file_the_stack_mounts_or_builds_from_is_in_the_repository(
    compose: dict[str, Any],
) -> None:
    for name, service in services(compose).items():
        build = service.get("build")
        if build:
            assert (REPO_ROOT / build["context"] / build["dockerfile"]).is_file(), name
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0]
            if source.startswith("./") and "backups" not in source:
                assert (REPO_ROOT / source).exists(), f"{name} mounts missing {source}"


def test_the_secrets_the_stack_reads_are_made_by_init_env_and_ignored_by_git(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    deploy_copy = tmp_path / "deploy"
    (deploy_copy / "env").mkdir(parents=True)
    for example in (DEPLOY / "env").glob("*.env.example"):
        (deploy_copy / "env" / example.name).write_text(example.read_text(encoding="utf-8"))
    run_script(INIT_ENV, env={"DEPLOY_DIR": str(deploy_copy)})

    needed = {
        path for service in services(compose).values() for path in service.get("env_file") or []
    } | {secret["file"] for secret in compose["secrets"].values()}

    for path in sorted(needed):
        assert path.startswith("deploy/"), path
        assert (tmp_path / path).is_file(), f"init_env.sh does not make {path}"
        ignored = subprocess.run(
            ["git", "check-ignore", "--quiet", path], cwd=REPO_ROOT, check=False
        )
        assert ignored.returncode == 0, f"{path} is not ignored by git"


def test_nginx_is_given_every_name_its_template_uses(compose: dict[str, Any]) -> None:
    nginx = services(compose)["nginx"]
    used = set(re.findall(r"\$\{(REPARO_[A-Z_]+)\}", NGINX_TEMPLATE.read_text(encoding="utf-8")))

    assert used <= set(nginx["environment"])
    assert nginx["environment"]["NGINX_ENVSUBST_FILTER"] == "REPARO_"
    # Rendered over the image's own default.conf, whose welcome page would shadow ours.
    template = "./deploy/nginx/reparo.conf:/etc/nginx/templates/default.conf.template:ro"
    assert template in nginx["volumes"]


def test_only_nginx_is_published_beyond_the_loopback_interface(compose: dict[str, Any]) -> None:
    for name, service in services(compose).items():
        for port in service.get("ports") or []:
            if name != "nginx":
                assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port}"


def test_no_service_can_be_scaled_out_of_its_fixed_name(compose: dict[str, Any]) -> None:
    # A fixed container name or a published port would stop `--scale` from adding replicas.
    for name in ("gateway", "repair_service", "cms", "repair-worker", "cms-relay"):
        service = services(compose)[name]
        assert "container_name" not in service, name
        assert "ports" not in service, name
