#!/usr/bin/env bash
# Installs the system packages the tests need (Debian). Idempotent; later issues add packages here.
set -euo pipefail
# curl and tar: the upload sidecar of CI job pods on the process runtime
packages=(git kubectl curl tar)
missing=()
for p in "${packages[@]}"; do command -v "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}"
fi
kubectl version --client >/dev/null
git --version >/dev/null
