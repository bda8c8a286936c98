#!/usr/bin/env bats
# cdaemon refuses bad configurations with one clear line, exit code 1, and
# leaves nothing behind.
load helpers

setup() { T=$(mktemp -d /tmp/cdtest.XXXXXX); }
teardown() { cleanup_daemon; }

daemon() { timeout 10 "$BIN_DIR/cdaemon" "$@"; }

@test "a second daemon on the same root is refused and the first keeps its socket" {
  start_daemon
  run daemon -H "unix://$T/other.sock" --root "$T/root" --exec-root "$T/run2"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"already running with root $T/root"* ]]
  [ ! -e "$T/other.sock" ]
  [ ! -e "$T/run2" ]
  [ "$(api http://d/_ping)" = OK ]
  # same socket path too: the first daemon's socket must survive
  run daemon -H "unix://$SOCK" --root "$T/root" --exec-root "$T/run"
  [ "$status" -eq 1 ]
  [ "$(api http://d/_ping)" = OK ]
}

@test "an unwritable root is refused and nothing is created" {
  mkdir "$T/ro"
  mount -t tmpfs -o ro tmpfs "$T/ro"
  run daemon -H "unix://$T/s.sock" --root "$T/ro/root" --exec-root "$T/run"
  umount "$T/ro"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"$T/ro/root"* ]]
  [ ! -e "$T/s.sock" ]
  [ ! -e "$T/run" ]
  touch "$T/file"
  run daemon -H "unix://$T/s.sock" --root "$T/file/root" --exec-root "$T/run"
  [ "$status" -eq 1 ]
  [[ "$output" == *"$T/file/root"* ]]
  [ ! -e "$T/run" ]
}

@test "a socket path whose directory is missing is refused and nothing is created" {
  run daemon -H "unix://$T/missing/dir/s.sock" --root "$T/root" --exec-root "$T/run"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"$T/missing/dir"* ]]
  [ ! -e "$T/root" ]
  [ ! -e "$T/run" ]
}

@test "a config file with a syntax error is refused with the file and position" {
  printf '{"log-level": "debug",\n' >"$T/bad.json"
  run daemon -H "unix://$T/s.sock" --root "$T/root" --exec-root "$T/run" --config "$T/bad.json"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"$T/bad.json"*"invalid JSON"* ]]
  [ ! -e "$T/root" ]
}

@test "an unknown config key is an error naming the key" {
  echo '{"log-level": "debug", "no-such-key": 1}' >"$T/c.json"
  run daemon -H "unix://$T/s.sock" --root "$T/root" --exec-root "$T/run" --config "$T/c.json"
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown key \`no-such-key\`"* ]]
}

@test "a missing explicit config file is an error" {
  run daemon -H "unix://$T/s.sock" --root "$T/root" --config "$T/none.json"
  [ "$status" -eq 1 ]
  [[ "$output" == *"$T/none.json"* ]]
}

@test "flags win over the config file" {
  echo "{\"log-level\": \"error\", \"data-root\": \"$T/fileroot\"}" >"$T/c.json"
  start_daemon --config "$T/c.json" --log-level warn
  [ "$(api http://d/cdaemon/log-level | json Level)" = warn ]
  [ "$(api http://d/info | json DockerRootDir)" = "$T/root" ]
  [ ! -e "$T/fileroot" ]
}

@test "unknown flags and a bad log level are clear errors" {
  run daemon --no-such-flag
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown flag --no-such-flag"* ]]
  run daemon -H "unix://$T/s.sock" --root "$T/root" --log-level loud
  [ "$status" -eq 1 ]
  [[ "$output" == *"invalid log level"* ]]
  run daemon -H "tcp://0.0.0.0:2375"
  [ "$status" -eq 1 ]
  [[ "$output" == *"invalid host"* ]]
}

@test "cdaemon --help lists the flags" {
  run "$BIN_DIR/cdaemon" --help
  [ "$status" -eq 0 ]
  for f in --host --root --exec-root --config --log-level --group; do
    [[ "$output" == *"$f"* ]]
  done
}
