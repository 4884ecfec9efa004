#!/usr/bin/env bash
# Rotate the customer-token signing key by key id, in the order OPERATIONS.md gives:
#
#   deploy/scripts/customer_token_keys.sh add NEW_KID   # new key pair; public key joins the set
#     ... restart the services (they now accept both), then point the gateway at the new private
#     ... key and NEW_KID and restart it ...
#   deploy/scripts/customer_token_keys.sh drop OLD_KID  # the old public key leaves the set
#     ... restart the services ...
#   deploy/scripts/customer_token_keys.sh list          # the key ids the services accept
#
# Files live in deploy/secrets/ (SECRETS_DIR overrides): customer-token-public-keys.json, the set
# every service reads (CUSTOMER_TOKEN_PUBLIC_KEYS), and customer-token-private-<kid>.pem per key.
# Needs openssl and python3.
set -euo pipefail

secrets_dir="${SECRETS_DIR:-$(cd "$(dirname "$0")/.." && pwd)/secrets}"
public_keys="${secrets_dir}/customer-token-public-keys.json"
action="${1:?usage: customer_token_keys.sh add NEW_KID | drop OLD_KID | list}"
kid="${2:-}"

edit_key_set() {
  # $1: python expression over `keys` (a dict kid -> PEM) and `kid`, `pem`
  python3 - "$public_keys" "$kid" "${pem:-}" "$1" <<'PY'
import json, os, sys
path, kid, pem, change = sys.argv[1:5]
keys = json.load(open(path, encoding="utf-8")) if os.path.exists(path) else {}
exec(change)
tmp = path + ".tmp"
with open(tmp, "w", encoding="utf-8") as handle:
    json.dump(keys, handle, indent=2)
os.chmod(tmp, 0o644)
os.replace(tmp, path)
print("accepted key ids:", ", ".join(sorted(keys)) or "(none)")
PY
}

case "$action" in
  add)
    [ -n "$kid" ] || { echo "add needs the new key id" >&2; exit 2; }
    private_key="${secrets_dir}/customer-token-private-${kid}.pem"
    [ ! -e "$private_key" ] || { echo "${private_key} exists already" >&2; exit 1; }
    mkdir -p "$secrets_dir"
    openssl genpkey -algorithm ED25519 -out "$private_key"
    chmod 644 "$private_key"
    pem="$(openssl pkey -in "$private_key" -pubout)"
    edit_key_set 'keys[kid] = pem + "\n"'
    echo "new private key: ${private_key}"
    ;;
  drop)
    [ -n "$kid" ] || { echo "drop needs the old key id" >&2; exit 2; }
    edit_key_set '
if kid not in keys:
    sys.exit(f"no key {kid!r} in the set")
if len(keys) == 1:
    sys.exit("refusing to drop the only key: nothing could verify tokens any more")
del keys[kid]'
    ;;
  list)
    edit_key_set 'pass'
    ;;
  *)
    echo "unknown action ${action}" >&2
    exit 2
    ;;
esac
