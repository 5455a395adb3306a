#!/usr/bin/env bash
# Builds podnet's runtime base image without a registry: Debian bookworm (minbase) + OpenJDK 17 JRE
# headless, and what real pods use in a node container (iproute2 for namespaces and devices, ping,
# python3 and curl for the programs tests and users run in them; util-linux's nsenter and setpriv come
# with minbase), made with debootstrap from Debian's mirror and imported into the local Docker engine.
# Machines with a registry do not need it: the Dockerfile defaults to a stock JRE 17 image.
#
#   compose/build-base-image.sh [IMAGE]       default IMAGE: podnet-base:bookworm-jre17-2 (-2: with the real-pod tools)
#   REBUILD=1 compose/build-base-image.sh     build again even when the image exists
#   DEBIAN_MIRROR=http://...                  another Debian mirror
#
# Needs root (debootstrap), debootstrap and a running Docker engine. Takes about a minute.
set -euo pipefail
image="${1:-podnet-base:bookworm-jre17-2}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if ! docker info >/dev/null 2>&1; then
  echo "build-base-image: no Docker engine answers (start dockerd first)" >&2
  exit 1
fi
if [[ "${REBUILD:-0}" != 1 ]] && docker image inspect "$image" >/dev/null 2>&1; then
  echo "build-base-image: $image exists, reusing it (REBUILD=1 builds it again)"
  exit 0
fi
if ! command -v debootstrap >/dev/null; then
  echo "build-base-image: debootstrap is missing (apt-get install -y debootstrap)" >&2
  exit 1
fi
if [[ $EUID -ne 0 ]]; then
  echo "build-base-image: debootstrap needs root" >&2
  exit 1
fi

root="$(mktemp -d /tmp/podnet-base.XXXXXX)"
trap 'rm -rf "$root"' EXIT
started=$SECONDS
echo "build-base-image: debootstrap bookworm (minbase + openjdk-17-jre-headless, iproute2, ping, python3, curl) from $mirror ..."
debootstrap --variant=minbase --include=openjdk-17-jre-headless,ca-certificates,iproute2,iputils-ping,python3,curl \
  bookworm "$root" "$mirror" \
  > "$root.log" 2>&1 || { tail -20 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
# what an image does not need: package caches, lists, docs
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/*
tar -C "$root" -c . | docker import \
  -c 'ENV LANG=C.UTF-8' \
  -c 'CMD ["/bin/bash"]' \
  - "$image" >/dev/null
echo "build-base-image: $image built in $((SECONDS - started)) s ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%d MB", $1/1e6}'))"
