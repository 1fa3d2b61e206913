#!/usr/bin/env bash
# The first README command: start the local stack, seed two weeks of synthetic data and run the nightly
# pipeline for two consecutive days through Hangfire. Leaves the stack running (deploy/local-stack.sh stop).
# The synthetic world is the lab's (batch-lab demo); the nightly runs are the product's. Extra arguments go to the demo
# verb, e.g. --impressions-per-day 50000.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
deploy/local-stack.sh start
dotnet build src/Batch.Lab -c Release -nologo -v quiet
exec dotnet run --project src/Batch.Lab -c Release --no-build -- demo "$@"
