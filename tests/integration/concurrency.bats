#!/usr/bin/env bats
# Many clients at once: every request of parallel creates, starts, runs and
# removals succeeds (the store's connections are shared by the daemon's
# threads), and a contested name goes to exactly one of them.
load helpers

setup() {
  start_daemon
  $CD load -q -i "$IMAGES/busybox.tar" >/dev/null
}
teardown() { cleanup_daemon; }

@test "40 detached runs, 8 at a time: all start, none fails; 8-way rm -f removes them all" {
  seq 40 | xargs -P 8 -I{} $CD run -d --network none -l par=1 busybox sleep 1000 >"$T/out" 2>"$T/err" || true
  [ ! -s "$T/err" ] || { cat "$T/err"; false; }
  [ "$(wc -l <"$T/out")" = 40 ]
  [ "$($CD ps -q --filter label=par=1 | wc -l)" = 40 ]
  $CD ps -aq | xargs -P 8 -n 5 $CD rm -f >/dev/null 2>"$T/err" || true
  [ ! -s "$T/err" ] || { cat "$T/err"; false; }
  [ "$($CD ps -aq | wc -l)" = 0 ]
}

@test "24 foreground runs with --rm, 8 at a time: each prints its own output once, none is left" {
  seq 24 | xargs -P 8 -I{} $CD run --rm --network none busybox echo line-{} >"$T/out" 2>"$T/err" || true
  [ ! -s "$T/err" ] || { cat "$T/err"; false; }
  [ "$(sort -u "$T/out" | wc -l)" = 24 ]
  [ "$(wc -l <"$T/out")" = 24 ]
  [ "$($CD ps -aq | wc -l)" = 0 ]
}

@test "8 creates of the same name at once: one container, seven name conflicts" {
  seq 8 | xargs -P 8 -I{} sh -c "$CD create --name same --network none busybox true >/dev/null 2>>'$T/err' || true"
  [ "$($CD ps -aq | wc -l)" = 1 ]
  [ "$(grep -c 'is already in use' "$T/err")" = 7 ]
}
