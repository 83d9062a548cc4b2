#!/usr/bin/env bash
# Installs the Debian packages named as arguments that are not installed yet, non-interactively, without letting
# apt start their services (redis, memcached, nginx, haproxy on their default ports). Uses sudo when not root.
# Exits 0 at once when everything is there.
set -euo pipefail

missing=()
for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-packages: not root and no sudo: cannot install ${missing[*]}" >&2; exit 1; }
    SUDO=(sudo)
fi
echo "install-packages: installing ${missing[*]}" >&2

POLICY_RC_CREATED=""
cleanup() {
    if [ -n "$POLICY_RC_CREATED" ]; then "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d; fi
}
trap cleanup EXIT
if [ ! -e /usr/sbin/policy-rc.d ]; then
    # Exit status 101 tells invoke-rc.d not to start services.
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${SUDO[@]}" chmod 755 /usr/sbin/policy-rc.d
    POLICY_RC_CREATED=1
fi
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
