#!/usr/bin/env bash
# Installs everything Runnel needs to build and test, from Debian 12 packages.
# Run as root on a fresh machine; safe to run again.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config python3
  libasio-dev librocksdb-dev libzstd-dev liblz4-dev libsnappy-dev zlib1g-dev
  libexpected-dev libfmt-dev libcli11-dev librdkafka-dev catch2 libzookeeper-mt-dev
  fio
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(kcat python3-kafka python3-confluent-kafka python3-snappy python3-lz4 python3-zstandard)
  # ZooKeeper 3.8 for the cluster tests; scripts/zookeeper.sh runs it, never the system service.
  packages+=(zookeeper)
  # kafkajs for tests/integration comes from npm. The machines ship Node 20 from NodeSource, whose
  # nodejs package conflicts with Debian's npm: take Debian's nodejs and npm only where node is missing.
  if ! command -v node >/dev/null 2>&1; then
    packages+=(nodejs npm)
  fi
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Keep packages (zookeeper) from starting system services on install: a policy-rc.d that
  # refuses, only where none exists, removed afterwards.
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if (( own_policy )); then
    rm -f "$policy"
    trap - EXIT
  fi
fi
