#!/usr/bin/env bash
# Installs the S3-server candidates outside the project's dependencies (under .flinkflow/bench, which git
# ignores) and runs the side-by-side comparison. moto comes from the project venv (`make py-deps`).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/node_modules/.bin:$PWD/.venv/bin:$PATH"
dir=.flinkflow/bench/s3-candidates
mkdir -p "$dir/npm"
if [ ! -d "$dir/npm/node_modules/s3rver" ]; then
  npm install --prefix "$dir/npm" --no-audit --no-fund --no-save s3rver@3.7.1
fi
if [ ! -d "$dir/s3proxy-lib" ]; then
  mvn -q -f bench/local/s3proxy/pom.xml dependency:copy-dependencies
  mv bench/local/s3proxy/target/lib "$dir/s3proxy-lib"
  rm -rf bench/local/s3proxy/target
fi
S3_CANDIDATES_DIR="$PWD/$dir" tsx bench/local/s3-servers.ts
