#!/bin/sh
# Installs the Debian 12 packages the build and the tests need, and those
# named as arguments (`make fuzz` adds clang's), when missing. Runs apt-get
# directly as root, through sudo otherwise.
set -eu

# One package per line so additions merge cleanly.
packages="
meson
ninja-build
pkg-config
gcc
g++
binutils
make
libtorch-dev
libopenblas0-pthread
libglib2.0-dev
libjson-glib-dev
libsqlite3-dev
libgdk-pixbuf-2.0-dev
librsvg2-common
libgtk-4-dev
desktop-file-utils
appstream
xvfb
xauth
gettext
fonts-noto-cjk
poppler-utils
python3-torch
python3-pil
python3-numpy
python3-onnx
nodejs
"
# NodeSource's nodejs carries npm (and conflicts with Debian's npm package);
# Debian's nodejs does not.
command -v npm >/dev/null 2>&1 || packages="$packages npm"
packages="$packages $*"

install_packages () {
  missing=""
  for p in $packages; do
    if ! dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
      missing="$missing $p"
    fi
  done
  [ -z "$missing" ] && return 0

  echo "Installing:$missing"
  if [ "$(id -u)" = 0 ]; then
    as_root=""
  elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
  else
    echo "error: missing packages:$missing; run this script as root or install sudo" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $as_root apt-get update -q
  # shellcheck disable=SC2086
  $as_root apt-get install -y -q --no-install-recommends $missing
}

# The ONNX export test runs exported files in ONNX Runtime for Node.js, from
# node_modules/ of this checkout (ignored by git), installed here so that the
# tests need no network. --ignore-scripts: the package carries its CPU
# binaries; its install script would only fetch GPU ones.
onnxruntime_node=1.30.0
install_onnxruntime_node () {
  root=$(cd "$(dirname "$0")/.." && pwd)
  manifest="$root/node_modules/onnxruntime-node/package.json"
  if grep -q "\"version\": \"$onnxruntime_node\"" "$manifest" 2>/dev/null; then
    return 0
  fi
  echo "Installing onnxruntime-node@$onnxruntime_node into $root/node_modules"
  npm install --prefix "$root" --no-save --no-package-lock --ignore-scripts --no-audit --no-fund \
    "onnxruntime-node@$onnxruntime_node"
}

install_packages
install_onnxruntime_node
