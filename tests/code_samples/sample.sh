#!/usr/bin/env bash
set -euo pipefail

log() {
  echo "[$(date)] $*" >&2
}

function build {
  log "building"
  make all
}

main() {
  build
}

main "$@"
