#!/usr/bin/env bats
# Security defaults: Docker's capability set, --cap-add/--cap-drop,
# --privileged, the default seccomp profile and custom ones,
# no-new-privileges, --read-only with --tmpfs; escape attempts from a
# default container fail, the safe ones succeed with --privileged.
load helpers

setup_file() {
  start_daemon
  api -X POST --data-binary @"$IMAGES/busybox.tar" 'http://d/images/load?quiet=1' >/dev/null
}
teardown_file() { cleanup_daemon; }

capeff() { $CD run --rm "$@" busybox grep CapEff /proc/self/status | awk '{print $2}'; }
hc() { api "http://d/containers/$1/json" | json "HostConfig.$2"; }

@test "default capabilities are Docker's; --cap-add/--cap-drop with or without CAP_, any case, ALL" {
  [ "$(capeff)" = 00000000a80425fb ]
  [ "$(capeff --cap-drop ALL)" = 0000000000000000 ]
  [ "$(capeff --cap-drop all --cap-add chown)" = 0000000000000001 ]
  # + CAP_SYS_ADMIN (bit 21), - CAP_CHOWN (bit 0)
  [ "$(capeff --cap-add sys_admin --cap-drop CAP_CHOWN)" = 00000000a82425fa ]
  # ALL is the daemon's own bounding set (this VM lacks CAP_SYS_RESOURCE), minus the drops
  bnd=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
  want=$(printf '%016x' $(( 0x$bnd & ~(1 << 13) )))
  [ "$(capeff --cap-add ALL --cap-drop NET_RAW)" = "$want" ]
}

@test "an unknown capability is refused at create (400) and nothing is created" {
  run $CD run --rm --cap-add foo busybox true
  [ "$status" -ne 0 ]
  [[ "$output" == *'unknown capability: "CAP_FOO"'* ]]
  [ "$(status POST /containers/create -H 'Content-Type: application/json' \
        -d '{"Image":"busybox","HostConfig":{"CapDrop":["CAP_NOPE"]}}')" = 400 ]
  [ -z "$($CD ps -aq)" ]
}

@test "escape: mounting proc or tmpfs fails in a default container" {
  run $CD run --rm busybox sh -c 'mkdir -p /m && mount -t tmpfs none /m'
  [ "$status" -ne 0 ]
  run $CD run --rm busybox sh -c 'mkdir -p /m && mount -t proc proc /m'
  [ "$status" -ne 0 ]
  [[ "$output" == *"permission denied"* || "$output" == *"not permitted"* ]]
}

@test "escape: /proc/kcore is masked and /proc/sysrq-trigger cannot be written" {
  # (this VM's kernel has neither file: /proc/timer_list shows the masking)
  run $CD run --rm busybox sh -c 'test -s /proc/kcore || head -c 1 /proc/kcore | grep -q .'
  [ "$status" -ne 0 ]
  [ -z "$($CD run --rm busybox head -c 1 /proc/timer_list)" ]
  run $CD run --rm busybox sh -c 'echo h > /proc/sysrq-trigger'
  [ "$status" -ne 0 ]
}

@test "escape: a block device node of the host's disk cannot be read" {
  dev=$(findmnt -n -o MAJ:MIN / | tr -d ' ')
  maj=${dev%%:*} min=${dev##*:}
  run $CD run --rm busybox sh -c "mknod /tmp/d b $maj $min && head -c 512 /tmp/d | wc -c | grep -qx 512"
  [ "$status" -ne 0 ]
  run $CD run --rm busybox sh -c "mknod /dev/d b $maj $min && head -c 512 /dev/d | wc -c | grep -qx 512"
  [ "$status" -ne 0 ]
}

@test "escape: no host process is visible in /proc" {
  sleep 1000 &
  local spid=$!
  run $CD run --rm busybox sh -c "cat /proc/$spid/cmdline; cat /proc/*/cmdline | tr '\\0' ' '"
  kill "$spid"
  [[ "$output" != *"sleep1000"* && "$output" != *"sleep 1000"* ]]
  [ "$($CD run --rm busybox sh -c 'ls -d /proc/[0-9]* | wc -l')" -le 3 ]
}

@test "escape: hostname, clock, module loading and a new user namespace are refused" {
  host=$(hostname)
  run $CD run --rm busybox hostname evil
  [ "$status" -ne 0 ]
  [ "$(hostname)" = "$host" ]
  run $CD run --rm busybox date -s 2001-01-01
  [[ "$output" == *"Operation not permitted"* ]]
  [ "$(date +%Y)" != 2001 ]
  run $CD run --rm busybox sh -c 'echo junk > /tmp/m.ko && insmod /tmp/m.ko'
  [ "$status" -ne 0 ]
  [[ "$output" == *"Operation not permitted"* ]]
  run $CD run --rm busybox unshare -U true
  [ "$status" -ne 0 ]
  run $CD run --rm busybox unshare -m true
  [ "$status" -ne 0 ]
}

@test "--privileged: all of the daemon's capabilities, host devices, mounts, no seccomp or masks" {
  bnd=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
  [ "$(capeff --privileged)" = "$bnd" ]
  dev=$(findmnt -n -o MAJ:MIN / | tr -d ' ')
  run $CD run --rm --privileged busybox sh -c '
    mkdir -p /m && mount -t tmpfs none /m && mount -t proc proc /m && echo mounted
    grep -q "^Seccomp:.*0" /proc/self/status && echo noseccomp
    head -c 1 /proc/timer_list | grep -q . && echo unmasked
    grep " /sys " /proc/mounts | grep -q "sysfs rw," && echo sysrw
    hostname inside && echo hostname
    unshare -U true && unshare -m true && echo unshare
    cat /sys/dev/block/'"$dev"'/uevent | sed -n "s/^DEVNAME=/dev=/p"'
  [ "$status" -eq 0 ]
  for w in mounted noseccomp unmasked sysrw hostname unshare; do [[ "$output" == *"$w"* ]]; done
  name=$(echo "$output" | sed -n 's/^dev=//p')
  # the host's disk node exists with the host's numbers (this VM refuses even
  # the host's root a read of it, so no read is tried)
  [ -n "$name" ]
  [ "$($CD run --rm --privileged busybox stat -c '%t:%T' "/dev/$name")" = "$(stat -c '%t:%T' "/dev/$name")" ]
  run $CD run --rm busybox test -b "/dev/$name"
  [ "$status" -ne 0 ]
}

@test "seccomp: the default profile is on; unconfined lifts it; CAP_SYS_ADMIN allows mount and unshare (Docker's rule)" {
  [[ "$($CD run --rm busybox grep '^Seccomp:' /proc/self/status)" == *2 ]]
  [[ "$($CD run --rm --security-opt seccomp=unconfined busybox grep '^Seccomp:' /proc/self/status)" == *0 ]]
  # unshare(CLONE_NEWUSER) needs no capability: only the profile stops it
  run $CD run --rm busybox unshare -U true
  [ "$status" -ne 0 ]
  $CD run --rm --security-opt seccomp=unconfined busybox unshare -U true
  $CD run --rm --cap-add SYS_ADMIN busybox sh -c 'unshare -m true && mkdir /m && mount -t tmpfs none /m'
}

@test "seccomp: a custom profile file (Docker's format) denies mkdir with EPERM" {
  cat >"$T/nomkdir.json" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [ { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO" } ]
}
EOF
  run $CD run --rm --security-opt seccomp="$T/nomkdir.json" busybox mkdir /tmp/x
  [ "$status" -ne 0 ]
  [[ "$output" == *"Operation not permitted"* ]]
  $CD run --rm --security-opt seccomp="$T/nomkdir.json" busybox touch /tmp/x
  # the docker CLI sends the file's JSON in SecurityOpt the same way
  run $DOCKER run --rm --security-opt seccomp="$T/nomkdir.json" busybox mkdir /tmp/x
  [[ "$output" == *"Operation not permitted"* ]]
  # with no-new-privileges the filter is loaded after the capabilities are dropped
  run $CD run --rm --security-opt no-new-privileges --security-opt seccomp="$T/nomkdir.json" \
    busybox sh -c 'grep NoNewPrivs /proc/self/status; mkdir /tmp/x'
  [[ "$output" == *"NoNewPrivs:"*1* ]]
  [[ "$output" == *"Operation not permitted"* ]]
}

@test "security-opt: no-new-privileges[:true|=false]; bad options and profiles are 400s before create" {
  [[ "$($CD run --rm --security-opt no-new-privileges busybox grep NoNewPrivs /proc/self/status)" == *1 ]]
  [[ "$($CD run --rm --security-opt no-new-privileges:true busybox grep NoNewPrivs /proc/self/status)" == *1 ]]
  [[ "$($CD run --rm --security-opt no-new-privileges=false busybox grep NoNewPrivs /proc/self/status)" == *0 ]]
  [[ "$($CD run --rm busybox grep NoNewPrivs /proc/self/status)" == *0 ]]
  run api -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' http://d/containers/create \
    -d '{"Image":"busybox","HostConfig":{"SecurityOpt":["foo=bar"]}}'
  [ "${lines[-1]}" = 400 ]
  [[ "$output" == *'invalid --security-opt 2: \"foo=bar\"'* ]]
  run api -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' http://d/containers/create \
    -d '{"Image":"busybox","HostConfig":{"SecurityOpt":["seccomp={bad"]}}'
  [ "${lines[-1]}" = 400 ]
  [[ "$output" == *"Decoding seccomp profile failed"* ]]
  run $CD run --rm --security-opt seccomp=/nonexistent.json busybox true
  [ "$status" -ne 0 ]
  [[ "$output" == *"opening seccomp profile (/nonexistent.json) failed"* ]]
  [ -z "$($CD ps -aq)" ]
}

@test "--read-only: writes to / fail with EROFS, --tmpfs and /dev/shm stay writable" {
  run $CD run --rm --read-only --tmpfs /run --tmpfs /data:size=1m,exec busybox sh -c '
    touch /x 2>&1; touch /run/a && touch /data/b && touch /dev/shm/c && echo writable
    grep -E " /(run|data) " /proc/mounts'
  [ "$status" -eq 0 ]
  [[ "$output" == *"Read-only file system"* ]]
  [[ "$output" == *writable* ]]
  [[ "$output" == *"tmpfs /run tmpfs rw,nosuid,nodev,noexec"* ]]
  [[ "$output" == *"tmpfs /data tmpfs rw,nosuid,nodev,relatime,size=1024k"* ]]
  run $CD run --rm --tmpfs /t:bogus=1 busybox true
  [[ "$output" == *'invalid tmpfs option'* ]]
  run $CD run --rm --tmpfs relative busybox true
  [ "$status" -ne 0 ]
}

@test "inspect and the docker CLI show CapAdd, CapDrop, Privileged, SecurityOpt, ReadonlyRootfs, Tmpfs" {
  $CD create --name sec1 --cap-add NET_ADMIN --cap-drop MKNOD --read-only --tmpfs /run:size=1m \
    --security-opt no-new-privileges busybox true >/dev/null
  [ "$(hc sec1 CapAdd)" = '["NET_ADMIN"]' ]
  [ "$(hc sec1 CapDrop)" = '["MKNOD"]' ]
  [ "$(hc sec1 ReadonlyRootfs)" = True ]
  [ "$(hc sec1 SecurityOpt)" = '["no-new-privileges"]' ]
  [ "$(hc sec1 Tmpfs)" = '{"/run": "size=1m"}' ]
  $DOCKER create --name sec2 --privileged --cap-add sys_time busybox true >/dev/null
  [ "$($DOCKER inspect -f '{{.HostConfig.Privileged}} {{.HostConfig.CapAdd}}' sec2)" = "true [CAP_SYS_TIME]" ]
  [ "$($DOCKER run --rm --cap-drop ALL busybox grep CapEff /proc/self/status | awk '{print $2}')" = 0000000000000000 ]
  $DOCKER rm sec2 >/dev/null
  $CD rm sec1 >/dev/null
}
