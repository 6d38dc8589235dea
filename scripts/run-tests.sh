#!/usr/bin/env bash
# Runs node:test over every *.test.ts under the given folders (Node 20's --test has no globs).
# A file gets 5 minutes: a hang detector, not a budget (the CLI tests spawn bin/keelson many times).
set -euo pipefail
concurrency=${TEST_CONCURRENCY:-2}
files=()
for dir in "$@"; do
  while IFS= read -r f; do files+=("$f"); done < <(find "$dir" -name '*.test.ts' -not -path '*/node_modules/*' | sort)
done
if [ ${#files[@]} -eq 0 ]; then echo "no test files under: $*" >&2; exit 1; fi
exec node --import tsx --test --test-force-exit --test-timeout=300000 --test-concurrency="$concurrency" "${files[@]}"
