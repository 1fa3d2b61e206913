#!/usr/bin/env bash
# The second README command: start the local stack (PostgreSQL + Azurite) and run the whole test suite.
# Extra arguments go to dotnet test, e.g. --filter FullyQualifiedName~Gate.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
deploy/local-stack.sh start
deploy/browser.sh
exec dotnet test Batch.sln -nologo "$@"
