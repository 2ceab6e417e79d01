#!/usr/bin/env bash
# Writes the secrets docker-compose.yml reads into deploy/secrets/, one file each, keeping any that
# exist (the secret key above all: peers cannot be decrypted without the key they were stored with).
#
#   postgres_password       the PostgreSQL superuser's
#   catalog_password        the catalog user mirrorflow's (MIRRORFLOW_CATALOG_PASSWORD_FILE)
#   temporal_db_password    the Temporal server's database user temporal's
#   mirrorflow_secret_key   the key that encrypts peers' passwords (MIRRORFLOW_SECRET_KEY_FILE)
#
# The directory is the owner's only (0700), so no other user of this host can read the files; the
# files themselves are 0644, because compose (without swarm) bind-mounts them into the containers as
# they are, where the PostgreSQL, Temporal and mirrorflow processes run as users of their own.
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/secrets"
mkdir -p "$DIR"
chmod 0700 "$DIR"
random_password() { head -c 24 /dev/urandom | base64 | tr -d '/+=' ; }
write() {
  local name="$1" value="$2"
  if [ -s "$DIR/$name" ]; then
    echo "make-secrets: $DIR/$name exists, kept"
    return
  fi
  (umask 022 && printf '%s\n' "$value" > "$DIR/$name.tmp" && mv "$DIR/$name.tmp" "$DIR/$name")
  echo "make-secrets: wrote $DIR/$name"
}
write postgres_password "$(random_password)"
write catalog_password "$(random_password)"
write temporal_db_password "$(random_password)"
write mirrorflow_secret_key "$(head -c 32 /dev/urandom | base64)"
echo "make-secrets: back up $DIR/mirrorflow_secret_key; peers cannot be decrypted without it"
