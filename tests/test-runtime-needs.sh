#!/bin/sh
# test-runtime-needs.sh LIBRARY: the runtime for the line links the engine's
# libraries only. Its DT_NEEDED must name libtorch (linked whether needed or
# not, so a CUDA build keeps its backend) and none of what only the project
# file, the report, the command line or the workbench need: SQLite, Cairo,
# Pango, JSON-GLib, GTK.
set -eu

needed=$(readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
echo "$1 needs:"
echo "$needed"
echo "$needed" | grep -q '^libtorch\.so' || {
  echo "libtorch is missing: the torch libraries must be linked as not needed" >&2
  exit 1
}
status=0
for library in libsqlite3 libcairo libpango libjson-glib libgtk; do
  if echo "$needed" | grep -q "^$library"; then
    echo "$library must not be needed by the runtime" >&2
    status=1
  fi
done
exit $status
