#!/usr/bin/env bash
# Installs the tools `cargo bench --bench peers` compares styr with, on a fresh Debian
# (12 or later) machine with the Rust toolchain: taskwarrior 2.6 and fzf from Debian,
# rust-kanban and taskwarrior-tui 0.25.4 from crates.io into ~/.cargo/bin. Not run by
# .ci/run: the benchmark skips any peer that is missing and says so in its table.
# The two crates are built one after the other in a scratch target folder that is removed
# afterwards, so the project's own target folder stays as it was.
set -euo pipefail

sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  taskwarrior fzf

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export CARGO_TARGET_DIR="$scratch"
command -v rust-kanban >/dev/null 2>&1 || cargo install rust-kanban --locked
command -v taskwarrior-tui >/dev/null 2>&1 || cargo install taskwarrior-tui --version 0.25.4 --locked

task --version
fzf --version
rust-kanban --version
taskwarrior-tui --version
