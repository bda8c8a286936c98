#!/usr/bin/env bats
# Interactive terminals driven through tmux (its own server socket under $T):
# run -it, exec -it with cdctl and the docker CLI; resize; detach keys.
load helpers

setup() {
  command -v tmux >/dev/null || skip "tmux missing (make deps)"
  start_daemon
  api -X POST --data-binary @"$IMAGES/busybox.tar" 'http://d/images/load?quiet=1' >/dev/null
  TM="tmux -S $T/tmux.sock"
}
teardown() { $TM kill-server 2>/dev/null || true; cleanup_daemon; }

# term CMD: runs CMD in a fresh 80x24 tmux session, its exit code to $T/rc.
term() {
  rm -f "$T/rc"
  $TM new-session -d -s t -x 80 -y 24 "$1; echo \$? > $T/rc; sleep 30"
}
screen_has() { # screen_has TEXT: waits up to 10 s
  for i in $(seq 100); do $TM capture-pane -p -t t | grep -qF -- "$1" && return 0; sleep 0.1; done
  $TM capture-pane -p -t t; return 1
}
rc_is() { for i in $(seq 100); do [ "$(cat "$T/rc" 2>/dev/null)" = "$1" ] && return 0; sleep 0.1; done; cat "$T/rc"; return 1; }

interactive() { # interactive COMMAND-PREFIX (cdctl or docker): a shell in a container
  term "$1"
  screen_has '#'
  $TM send-keys -t t 'hostname; tty' Enter
  screen_has '/dev/pts/0'
  $TM send-keys -t t 'stty size' Enter
  screen_has '24 80'
  $TM resize-window -t t -x 100 -y 30
  sleep 0.5
  $TM send-keys -t t 'clear; stty size' Enter
  screen_has '30 100'
  $TM send-keys -t t 'exit 3' Enter
  rc_is 3
  # the terminal came back in cooked mode
  $TM kill-server
}

@test "cdctl run -it: shell, hostname, tty, stty size after a resize, exit 3" {
  interactive "$CD run -it --name it1 busybox sh"
}

@test "cdctl exec -it and docker exec -it / run -it" {
  $CD run -d --name ex1 busybox sleep 1000 >/dev/null
  interactive "$CD exec -it ex1 sh"
  interactive "$DOCKER exec -it ex1 sh"
  interactive "$DOCKER run -it --rm busybox sh"
}

@test "detach keys leave the container running; attach and start -ai come back" {
  term "$CD run -it --name d1 busybox sh"
  screen_has '#'
  $TM send-keys -t t C-p C-q
  rc_is 0
  [ "$(api http://d/containers/d1/json | json State.Running)" = True ]
  $TM kill-server
  term "$CD attach --detach-keys ctrl-x,x d1"
  sleep 0.5
  $TM send-keys -t t 'echo back-$((40+2))' Enter
  screen_has 'back-42'
  $TM send-keys -t t C-x x
  rc_is 0
  [ "$(api http://d/containers/d1/json | json State.Running)" = True ]
  $TM kill-server
  $CD stop -t 1 d1 >/dev/null
  term "$CD start -ai d1"
  screen_has '#'
  $TM send-keys -t t 'exit 5' Enter
  rc_is 5
}

@test "bad detach keys are refused; the container is unharmed" {
  $CD run -d --name b1 -it busybox sh >/dev/null
  run $CD attach --detach-keys 'ctrl-,x' b1
  [ "$status" -ne 0 ]
  [[ "$output" == *'Invalid detach keys'* ]]
  [ "$(status POST '/containers/b1/attach?stream=1&stdout=1&detachKeys=nope')" = 400 ]
  [ "$(status POST '/containers/b1/resize?h=0&w=0')" = 400 ]
  [ "$(status POST '/containers/b1/resize?h=70000&w=10')" = 400 ]
  [ "$(status POST '/containers/b1/resize?h=40&w=100')" = 200 ]
  [ "$(api http://d/containers/b1/json | json State.Running)" = True ]
}
