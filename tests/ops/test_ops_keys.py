"""Secrets made for a deployment, and the customer-token key rotation OPERATIONS.md describes."""

import re
import stat
from pathlib import Path

import pytest
from ops_support import DEPLOY, run_script

from reparo_shared.identity import InvalidToken, TokenSigner, TokenVerifier, load_public_keys

INIT_ENV = DEPLOY / "scripts" / "init_env.sh"
TOKEN_KEYS = DEPLOY / "scripts" / "customer_token_keys.sh"


def read_env(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


@pytest.fixture
def deploy_copy(tmp_path: Path) -> Path:
    """A deploy folder holding only the committed examples, prepared by init_env.sh."""
    (tmp_path / "env").mkdir()
    for example in (DEPLOY / "env").glob("*.env.example"):
        (tmp_path / "env" / example.name).write_text(example.read_text(encoding="utf-8"))
    run_script(INIT_ENV, env={"DEPLOY_DIR": str(tmp_path)})
    return tmp_path


def test_init_env_fills_every_placeholder_with_one_private_value(deploy_copy: Path) -> None:
    env = {path.stem: read_env(path) for path in (deploy_copy / "env").glob("*.env")}

    for name, values in env.items():
        assert not [v for v in values.values() if "change-me" in v], name
        mode = stat.S_IMODE((deploy_copy / "env" / f"{name}.env").stat().st_mode)
        assert mode == 0o600, name
    password = env["infra"]["REPAIR_DB_PASSWORD"]
    assert re.fullmatch(r"[0-9a-f]{48}", password)
    assert f":{password}@" in env["repair_service"]["REPAIR_DATABASE_URL"]
    assert f":{env['infra']['CMS_DB_PASSWORD']}@" in env["cms"]["CMS_DATABASE_URL"]
    assert f":{env['infra']['RABBITMQ_DEFAULT_PASS']}@" in env["common"]["AMQP_URL"]
    assert env["infra"]["CMS_DB_PASSWORD"] != password


def test_a_second_init_env_keeps_what_the_first_made(deploy_copy: Path) -> None:
    before = (deploy_copy / "env" / "gateway.env").read_text(encoding="utf-8")
    key_before = (deploy_copy / "secrets" / "customer-token-private.pem").read_bytes()

    run_script(INIT_ENV, env={"DEPLOY_DIR": str(deploy_copy)})

    assert (deploy_copy / "env" / "gateway.env").read_text(encoding="utf-8") == before
    assert (deploy_copy / "secrets" / "customer-token-private.pem").read_bytes() == key_before


def test_the_gateway_key_made_by_init_env_signs_tokens_the_services_accept(
    deploy_copy: Path,
) -> None:
    gateway = read_env(deploy_copy / "env" / "gateway.env")
    secrets = deploy_copy / "secrets"
    signer = TokenSigner(
        (secrets / "customer-token-private.pem").read_text(), gateway["CUSTOMER_TOKEN_KID"]
    )
    verifier = TokenVerifier(load_public_keys(str(secrets / "customer-token-public-keys.json")))

    principal = verifier.verify(signer.sign_customer("42", openid="o-test"))

    assert principal.subject == "42"


def test_rotating_the_customer_token_key_never_refuses_a_valid_token(deploy_copy: Path) -> None:
    secrets = deploy_copy / "secrets"
    environment = {"SECRETS_DIR": str(secrets)}
    old_kid = read_env(deploy_copy / "env" / "gateway.env")["CUSTOMER_TOKEN_KID"]
    old_signer = TokenSigner((secrets / "customer-token-private.pem").read_text(), old_kid)
    public_keys = str(secrets / "customer-token-public-keys.json")

    # 1. the new public key joins the set the services read
    run_script(TOKEN_KEYS, "add", "reparo-next", env=environment)
    during = TokenVerifier(load_public_keys(public_keys))
    # 2. the gateway switches to the new private key
    new_signer = TokenSigner(
        (secrets / "customer-token-private-reparo-next.pem").read_text(), "reparo-next"
    )
    old_token, new_token = old_signer.sign_customer("7"), new_signer.sign_customer("7")
    # 3. the old public key leaves the set
    run_script(TOKEN_KEYS, "drop", old_kid, env=environment)
    after = TokenVerifier(load_public_keys(public_keys))

    assert during.verify(old_token).subject == "7"
    assert during.verify(new_token).subject == "7"
    assert after.verify(new_token).subject == "7"
    with pytest.raises(InvalidToken):
        after.verify(old_token)


def test_the_last_remaining_key_cannot_be_dropped(deploy_copy: Path) -> None:
    environment = {"SECRETS_DIR": str(deploy_copy / "secrets")}
    kid = read_env(deploy_copy / "env" / "gateway.env")["CUSTOMER_TOKEN_KID"]

    with pytest.raises(AssertionError, match="refusing to drop the only key"):
        run_script(TOKEN_KEYS, "drop", kid, env=environment)

    assert kid in load_public_keys(str(deploy_copy / "secrets" / "customer-token-public-keys.json"))
