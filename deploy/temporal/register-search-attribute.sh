#!/bin/sh
# Runs once per `docker-compose up` in the admin-tools image: waits until the Temporal server has
# the namespace (auto-setup creates it once the server answers), then registers the search
# attribute MirrorName that every mirror workflow carries, unless it is there already.
set -eu
namespace="${TEMPORAL_NAMESPACE:-default}"
tries=0
until temporal operator namespace describe --namespace "$namespace" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 120 ]; then
    echo "temporal-setup: namespace $namespace not there after 120 s; see the temporal service's log" >&2
    exit 1
  fi
  echo "temporal-setup: waiting for the namespace $namespace"
  sleep 1
done
if temporal operator search-attribute list --namespace "$namespace" | grep -q MirrorName; then
  echo "temporal-setup: search attribute MirrorName already registered in $namespace"
else
  temporal operator search-attribute create --namespace "$namespace" --name MirrorName --type Keyword
  echo "temporal-setup: search attribute MirrorName registered in $namespace"
fi
