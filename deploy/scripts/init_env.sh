#!/usr/bin/env bash
# Prepare a deployment's secrets once: environment files from the examples with every change-me
# value replaced by a random one (the same value wherever one name appears, so a database
# password matches its URL), and a customer-token key pair.
#
#   deploy/scripts/init_env.sh [--force]
#
# Writes deploy/env/*.env (mode 600) and deploy/secrets/ (folder mode 700), both ignored by git.
# Existing files are kept unless --force is given. Needs openssl and python3.
# DEPLOY_DIR overrides the deploy folder (the tests use it).
set -euo pipefail

deploy_dir="${DEPLOY_DIR:-$(cd "$(dirname "$0")/.." && pwd)}"
env_dir="${deploy_dir}/env"
secrets_dir="${deploy_dir}/secrets"
force="${1:-}"
umask 077

random_value() { openssl rand -hex 24; }

placeholders=$(cat "$env_dir"/*.env.example | grep -o 'change-me-[a-z0-9-]*' | sort -u)
kid="reparo-$(date -u +%Y%m%d)"
replacements=()
for name in $placeholders; do
  if [ "$name" = "change-me-key-id" ]; then value="$kid"; else value="$(random_value)"; fi
  replacements+=(-e "s/${name}\\b/${value}/g")
done

for example in "$env_dir"/*.env.example; do
  target="${example%.example}"
  if [ -e "$target" ] && [ "$force" != "--force" ]; then
    echo "kept ${target}"
    continue
  fi
  sed "${replacements[@]}" "$example" >"$target"
  chmod 600 "$target"
  echo "wrote ${target}"
done

private_key="${secrets_dir}/customer-token-private.pem"
public_keys="${secrets_dir}/customer-token-public-keys.json"
if [ -e "$private_key" ] && [ "$force" != "--force" ]; then
  echo "kept ${private_key}"
else
  mkdir -p "$secrets_dir"
  chmod 700 "$secrets_dir"
  openssl genpkey -algorithm ED25519 -out "$private_key"
  public_pem="$(openssl pkey -in "$private_key" -pubout)"
  python3 -c 'import json, sys; print(json.dumps({sys.argv[1]: sys.argv[2] + "\n"}))' \
    "$kid" "$public_pem" >"$public_keys"
  # Compose mounts secret files with their host permissions and the services run as uid 10001,
  # so the files must be readable by it; the folder (mode 700) keeps other host users out.
  chmod 644 "$private_key" "$public_keys"
  # The gateway.env written above names this key id; keep them together on --force.
  echo "wrote ${private_key} and ${public_keys} (key id ${kid})"
fi
