#!/bin/sh
# test-gui-launch.sh WORKBENCH EFFICIENTAD: starts the real ead-workbench
# executable (under Xvfb, from meson) with a project file, made by the
# efficientad command, on its command line, waits until it has opened it (the
# file joins the recent projects), then stops it with SIGTERM and checks that
# it ends cleanly and saves its window state.
set -eu

workbench=$1
efficientad=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Any warning the workbench prints fails the test.
export XDG_CONFIG_HOME="$tmp/config" GSETTINGS_BACKEND=keyfile G_DEBUG=fatal-warnings
keyfile="$XDG_CONFIG_HOME/glib-2.0/settings/keyfile"
"$efficientad" project create "$tmp/launch.eadproj" > /dev/null

"$workbench" "$tmp/launch.eadproj" &
pid=$!

tries=0
until grep -q "launch.eadproj" "$keyfile" 2>/dev/null; do
  tries=$((tries + 1))
  if [ $tries -gt 300 ] || ! kill -0 $pid 2>/dev/null; then
    echo "error: the workbench did not open the project given on its command line" >&2
    kill $pid 2>/dev/null || true
    exit 1
  fi
  sleep 0.1
done

kill -TERM $pid
status=0
wait $pid || status=$?
if [ $status -ne 0 ]; then
  echo "error: the workbench exited with status $status after SIGTERM" >&2
  exit 1
fi
if ! grep -q "window-size" "$keyfile"; then
  echo "error: the workbench did not save its window size when it quit" >&2
  exit 1
fi
echo "ok: the workbench opened the project from its command line and quit cleanly"
