#!/usr/bin/env bash
# Installs every Debian package cdaemon needs to build, run and test.
# Idempotent and non-interactive: apt-get runs only when something is missing.
set -euo pipefail
PKGS=(
  build-essential pkg-config git curl ca-certificates python3
  libmicrohttpd-dev libjson-c-dev libsqlite3-dev sqlite3 libuv1-dev
  libcurl4-openssl-dev libarchive-dev libssl-dev libseccomp-dev
  libnl-route-3-dev libsystemd-dev libcmocka-dev
  bats busybox-static systemd iproute2 iptables
  xz-utils zstd gzip tar procps util-linux attr
  crun runc tmux prometheus
  docker-registry apache2-utils openssl python3-jwt python3-cryptography
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PKGS[@]} packages present"
  exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
