#!/usr/bin/env bash
# Regenerates the committed jOOQ sources of catalog-schema from a freshly migrated scratch
# database on the dev environment. Run it after adding a migration, then commit the result;
# CatalogCodegenDriftIT fails the build while the two disagree.
#
# It compiles only the few classes codegen needs (none of which use the generated code), so it
# works while the repositories already refer to columns the committed code does not have yet.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/dev-env.sh up >/dev/null

work="$ROOT/.dev/codegen"
rm -rf "$work" && mkdir -p "$work/classes"
mvn -B -q -pl catalog-schema dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$work/classpath.txt" >/dev/null
cp="$(cat "$work/classpath.txt")"
src=catalog-schema/src
javac -nowarn -d "$work/classes" -cp "$cp" \
  "$src/main/java/dev/mirrorflow/catalog/CatalogConfig.java" \
  "$src/main/java/dev/mirrorflow/catalog/CatalogMigrations.java" \
  "$src/main/java/dev/mirrorflow/catalog/CatalogUnavailableException.java" \
  "$src/test/java/dev/mirrorflow/catalog/ScratchDatabase.java" \
  "$src/test/java/dev/mirrorflow/catalog/CatalogCodegen.java"
java -Dorg.jooq.no-logo=true -Dorg.jooq.no-tips=true -Dlogback.configurationFile="$ROOT/$src/test/resources/logback-test.xml" \
  -cp "$work/classes:$ROOT/$src/main/resources:$cp" \
  dev.mirrorflow.catalog.CatalogCodegen "$ROOT/$src/main/java"
