#!/usr/bin/env bash
# Runs the unit tests (cmocka, TAP output) and the integration tests (bats,
# TAP output), then prints one line "N passed, N failed". Exit 1 on any failure.
# BIN_DIR: binaries to test; UNIT_DIR: built unit test programs.
# TESTS: optional list of .bats files to run instead of all.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export BIN_DIR=${BIN_DIR:-$here/../bin}
UNIT_DIR=${UNIT_DIR:-$here/../build/obj/tests}
out=$(mktemp -d /tmp/cdaemon-tests.XXXXXX)
trap 'rm -rf "$out"' EXIT
pass=0 fail=0

count() { # count FILE: adds the ok / not ok lines of a TAP stream
  local p f
  p=$(grep -cE '^ok ' "$1")
  f=$(grep -cE '^not ok ' "$1")
  pass=$((pass + p))
  fail=$((fail + f))
}

if [ -z "${TESTS:-}" ]; then
  for t in "$UNIT_DIR"/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    echo "# unit: $name"
    CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 "$t" >"$out/$name.tap" 2>&1
    rc=$?
    cat "$out/$name.tap"
    count "$out/$name.tap"
    if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$out/$name.tap"; then
      echo "not ok - $name exited with status $rc"
      fail=$((fail + 1))
    fi
  done
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "# integration tests need root (namespaces, mounts, cgroups): skipped"
else
  files=${TESTS:-$(ls "$here"/integration/*.bats)}
  echo "# integration: $(echo $files | wc -w) files"
  timeout 3000 bats --tap $files >"$out/integration.tap" 2>&1
  rc=$?
  cat "$out/integration.tap"
  count "$out/integration.tap"
  if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$out/integration.tap"; then
    echo "not ok - bats exited with status $rc"
    fail=$((fail + 1))
  fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
