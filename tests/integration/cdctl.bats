#!/usr/bin/env bats
# cdctl: global flags, help, errors and exit codes as the docker CLI has them,
# version/info/events against a private daemon.
load helpers

teardown() { cleanup_daemon; }

cdctl() { "$BIN_DIR/cdctl" "$@"; }

@test "cdctl --help lists the commands; COMMAND --help lists its flags" {
  run cdctl --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage:  cdctl [OPTIONS] COMMAND"* ]]
  [[ "$output" == *"-H, --host string"* ]]
  for c in events info version; do [[ "$output" == *"  $c "* ]]; done
  run cdctl events --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage:  cdctl events [OPTIONS]"* ]]
  [[ "$output" == *"-f, --filter filter"* ]]
  [[ "$output" == *"--since string"* ]]
  run cdctl help version
  [ "$status" -eq 0 ]
  [[ "$output" == *"-f, --format string"* ]]
  run cdctl -v
  [[ "$output" == "cdctl version "* ]]
}

@test "usage errors: unknown command 1, bad flag 125, extra argument 1" {
  run cdctl nosuch
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown command: cdctl nosuch"* ]]
  run cdctl version --nosuch
  [ "$status" -eq 125 ]
  [[ "$output" == *"unknown flag: --nosuch"* ]]
  [[ "$output" == *"Run 'cdctl version --help' for more information"* ]]
  run cdctl events -f
  [ "$status" -eq 125 ]
  [[ "$output" == *"flag needs an argument: 'f' in -f"* ]]
  run cdctl events --filter nonsense
  [ "$status" -eq 125 ]
  [[ "$output" == *"bad format of filter (expected name=value)"* ]]
  run cdctl version extra
  [ "$status" -eq 1 ]
  [[ "$output" == *"'cdctl version' accepts no arguments"* ]]
  run cdctl -H tcp://127.0.0.1:2375 version
  [ "$status" -eq 1 ]
}

@test "no daemon: version prints the client, then the connect error, exit 1" {
  T=$(mktemp -d /tmp/cdtest.XXXXXX)
  run bash -c "'$BIN_DIR/cdctl' -H unix://$T/missing.sock version 2>/dev/null"
  [ "$status" -eq 1 ]
  [[ "$output" == "Client:"* ]]
  [[ "$output" != *"Server:"* ]]
  run bash -c "'$BIN_DIR/cdctl' -H unix://$T/missing.sock version 2>&1 >/dev/null"
  [ "$output" = "cannot connect to cdaemon at $T/missing.sock: is the daemon running?" ]
  run bash -c "CDAEMON_HOST=unix://$T/env.sock '$BIN_DIR/cdctl' info 2>&1 >/dev/null"
  [ "$status" -eq 1 ]
  [ "$output" = "cannot connect to cdaemon at $T/env.sock: is the daemon running?" ]
}

@test "version and info read the daemon" {
  start_daemon
  run $CD version
  [ "$status" -eq 0 ]
  [[ "$output" == *"Server:"* ]]
  [[ "$output" == *"API version:      1.41 (minimum version 1.24)"* ]]
  run $CD version --format json
  [ "$(echo "$output" | json Server.ApiVersion)" = 1.41 ]
  [ "$(echo "$output" | json Client.ApiVersion)" = 1.41 ]
  run $CD info
  [ "$status" -eq 0 ]
  [[ "$output" == *" Containers: 0"* ]]
  [[ "$output" == *" Storage Driver: overlay2"* ]]
  [[ "$output" == *" Docker Root Dir: $T/root"* ]]
  [[ "$output" == *" CPUs: $(nproc)"* ]]
  run bash -c "CDAEMON_HOST=unix://$SOCK '$BIN_DIR/cdctl' info --format json"
  [ "$(echo "$output" | json DockerRootDir)" = "$T/root" ]
}

@test "events: since/until window, filters, docker's line format and json" {
  start_daemon
  api -X POST -H 'Content-Type: application/x-tar' --data-binary @"$IMAGES/busybox.tar" \
    'http://d/images/load?quiet=1' >/dev/null
  api -X POST 'http://d/images/busybox:latest/tag?repo=cdctltest&tag=1' >/dev/null
  sleep 1 # --until 0s is "now" in whole seconds: let the event's second pass
  run timeout 10 $CD events --since 10m --until 0s --filter type=image --filter event=tag
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}(Z|[+-][0-9]{2}:[0-9]{2})\ image\ tag\ sha256:[0-9a-f]{64}\ \(name=cdctltest:1\)$ ]]
  run timeout 10 $CD events --since 10m --until 0s --filter event=nosuch
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run timeout 10 $CD events --since "$(date -u +%Y-%m-%dT%H:%M:%SZ -d '-10 min')" --until 0s --format json
  [ "$status" -eq 0 ]
  echo "$output" | while read -r line; do echo "$line" | python3 -c 'import sys,json; json.load(sys.stdin)'; done
  run $CD events --since yesterday
  [ "$status" -eq 1 ]
  [[ "$output" == *'failed to parse value as time or duration: "yesterday"'* ]]
}
