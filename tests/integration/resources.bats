#!/usr/bin/env bats
# Resource limits (issue 5): cgroup files, real effects (OOM kill, CPU quota,
# pids, cpuset, block I/O throttle), pause/unpause, live update, bad input.
load helpers

setup() {
  start_daemon
  api -X POST --data-binary @"$IMAGES/busybox.tar" 'http://d/images/load?quiet=1' >/dev/null
  LOOP=
}
teardown() {
  for id in $(api 'http://d/containers/json?all=1' 2>/dev/null | "$PY" -c 'import sys,json; print(" ".join(c["Id"] for c in json.load(sys.stdin)))' 2>/dev/null); do
    status DELETE "/containers/$id?force=1" >/dev/null
  done
  [ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null
  for d in /sys/fs/cgroup/*/cdres-parent-$$; do rmdir "$d" 2>/dev/null; done
  cleanup_daemon
}

cid() { $CD inspect -f '{{.Id}}' "$1" 2>/dev/null || api "http://d/containers/$1/json" | json Id; }
cg() { cat "/sys/fs/cgroup/$1/$TEST_CGP/$(api "http://d/containers/$2/json" | json Id)/$3"; }
hc() { api "http://d/containers/$1/json" | json "HostConfig.$2"; }
count_ctrs() { api 'http://d/containers/json?all=1' | "$PY" -c 'import sys,json; print(len(json.load(sys.stdin)))'; }

@test "over its --memory limit a process is OOM-killed: exit 137, State.OOMKilled, oom event" {
  run $CD run --name oom --network none --memory 32m --shm-size 256m busybox sh -c 'dd if=/dev/zero of=/dev/shm/f bs=1M count=200'
  [ "$status" -eq 137 ]
  [ "$(api http://d/containers/oom/json | json State.OOMKilled)" = True ]
  [ "$(api http://d/containers/oom/json | json State.ExitCode)" = 137 ]
  api "http://d/events?until=$(( $(date +%s) + 1 ))&filters=%7B%22event%22%3A%5B%22oom%22%5D%7D" | grep -q '"oom"'
}

@test "limits reach the v1 cgroup files and inspect shows them" {
  $CD run -d --name lim --network none --memory 64m --memory-reservation 32m --memory-swappiness 10 \
    --cpu-shares 512 --cpus 0.5 --cpuset-cpus 0 --pids-limit 20 busybox sleep 1000 >/dev/null
  [ "$(cg memory lim memory.limit_in_bytes)" = 67108864 ]
  [ "$(cg memory lim memory.memsw.limit_in_bytes)" = 134217728 ]   # Docker: swap = 2 x memory
  [ "$(cg memory lim memory.soft_limit_in_bytes)" = 33554432 ]
  [ "$(cg memory lim memory.swappiness)" = 10 ]
  [ "$(cg cpu lim cpu.shares)" = 512 ]
  [ "$(cg cpu lim cpu.cfs_quota_us)" = 50000 ]
  [ "$(cg cpu lim cpu.cfs_period_us)" = 100000 ]
  [ "$(cg cpuset lim cpuset.cpus)" = 0 ]
  [ "$(cg pids lim pids.max)" = 20 ]
  [ "$(hc lim Memory)" = 67108864 ]
  [ "$(hc lim MemorySwap)" = 134217728 ]
  [ "$(hc lim NanoCpus)" = 500000000 ]
  [ "$(hc lim CpuShares)" = 512 ]
  [ "$(hc lim PidsLimit)" = 20 ]
  [ "$(hc lim CpusetCpus)" = 0 ]
  # Docker's default device allow-list: no rw access to block devices
  list=$(cg devices lim devices.list)
  [[ "$list" == *"c 1:3 rwm"* ]]
  [[ "$list" == *"b *:* m"* ]]
  [[ "$list" != *"a *:* rwm"* ]]
}

@test "--cpus 0.5: a busy loop gets 50% +- 10% of a core (cpuacct.usage over ~3 s)" {
  # The machine is shared: a private parent with the highest cpu.shares keeps
  # other load from taking the container's half core, so the quota is what
  # is measured.
  mkdir -p "/sys/fs/cgroup/cpu/cdres-parent-$$"
  echo 262144 >"/sys/fs/cgroup/cpu/cdres-parent-$$/cpu.shares"
  $CD run -d --name spin --network none --cgroup-parent "cdres-parent-$$" --cpus 0.5 \
    busybox sh -c 'while :; do :; done' >/dev/null
  id=$(api http://d/containers/spin/json | json Id)
  acct=/sys/fs/cgroup/cpuacct/cdres-parent-$$/$id/cpuacct.usage
  sleep 0.5
  ok=0
  for attempt in 1 2 3; do
    u0=$(cat "$acct"); t0=$(date +%s%N)
    sleep 3
    u1=$(cat "$acct"); t1=$(date +%s%N)
    ratio=$("$PY" -c "print(($u1-$u0)/($t1-$t0))")
    echo "# attempt $attempt: ratio $ratio"
    "$PY" -c "import sys; sys.exit(0 if 0.40 <= $ratio <= 0.60 else 1)" && { ok=1; break; }
    "$PY" -c "import sys; sys.exit(0 if $ratio > 0.60 else 1)" && break  # over quota: a real failure
  done
  [ "$ok" = 1 ]
  [ "$(cat /sys/fs/cgroup/cpu/cdres-parent-$$/$id/cpu.cfs_quota_us)" = 50000 ]
  $CD rm -f spin
}

@test "--pids-limit 20: a fork loop cannot pass 20 tasks" {
  $CD run -d --name pl --network none --pids-limit 20 busybox sh -c \
    'sh -c "i=0; while [ \$i -lt 40 ]; do sleep 30 & i=\$((i+1)); done"; exec sleep 1000' >/dev/null
  for i in $(seq 50); do $CD logs pl 2>&1 | grep -q "can't fork" && break; sleep 0.1; done
  $CD logs pl 2>&1 | grep -q "can't fork"
  [ "$(cg pids pl pids.max)" = 20 ]
  [ "$(cg pids pl pids.current)" -le 20 ]
  [ "$(cg pids pl pids.current)" -ge 15 ]
  $CD rm -f pl
  run $CD run --rm --network none busybox sh -c 'i=0; while [ $i -lt 30 ]; do sleep 1 & i=$((i+1)); done; wait'
  [[ "$output" != *"can't fork"* ]]
}

@test "--cpuset-cpus 0 pins the container" {
  run $CD run --rm --network none --cpuset-cpus 0 busybox grep Cpus_allowed_list /proc/self/status
  [ "$status" -eq 0 ]
  [[ "$output" == *$'\t0' ]]
}

@test "--device-read-bps throttles direct reads from a loop device; --device adds the node" {
  dd if=/dev/zero of="$T/disk.img" bs=1M count=16 2>/dev/null
  LOOP=$(losetup -f --show "$T/disk.img")
  start=$(date +%s%N)
  run $CD run --rm --network none --device "$LOOP:/dev/xvdz" --device-read-bps "$LOOP:1mb" busybox \
    dd if=/dev/xvdz of=/dev/null bs=512k count=6 iflag=direct
  end=$(date +%s%N)
  [ "$status" -eq 0 ]
  ms=$(( (end - start) / 1000000 ))
  echo "# 3 MiB at 1 MiB/s took $ms ms"
  [ "$ms" -ge 1800 ]
  # without the throttle the same read is fast
  start=$(date +%s%N)
  run $CD run --rm --network none --device "$LOOP:/dev/xvdz" busybox dd if=/dev/xvdz of=/dev/null bs=512k count=6 iflag=direct
  end=$(date +%s%N)
  [ "$status" -eq 0 ]
  [ $(( (end - start) / 1000000 )) -lt 1500 ]
  # a device not given stays inaccessible
  run $CD run --rm --network none busybox sh -c "mknod /tmp/d b $(stat -c '%t %T' "$LOOP" | awk '{printf "%d %d", "0x"$1, "0x"$2}') && head -c 1 /tmp/d"
  [ "$status" -ne 0 ]
}

@test "pause freezes the counter, State.Paused, ps (Paused), 409s; unpause resumes; events" {
  since=$(date +%s)
  $CD run -d --name pz --network none busybox sh -c 'i=0; while true; do i=$((i+1)); echo $i; sleep 0.1; done' >/dev/null
  sleep 0.8
  run $CD pause pz
  [ "$status" -eq 0 ]
  [ "$(cg freezer pz freezer.state)" = FROZEN ]
  sleep 0.3; a=$($CD logs pz | wc -l); sleep 1; b=$($CD logs pz | wc -l)
  [ "$a" -gt 0 ] && [ "$a" -eq "$b" ]
  [ "$(api http://d/containers/pz/json | json State.Paused)" = True ]
  [ "$(api http://d/containers/pz/json | json State.Status)" = paused ]
  [[ "$($CD ps)" == *"(Paused)"* ]]
  id=$(api http://d/containers/pz/json | json Id)
  [ "$(status POST /containers/pz/pause)" = 409 ]
  api -X POST http://d/containers/pz/pause | grep -q "Container $id is already paused"
  run $CD container unpause pz
  [ "$status" -eq 0 ]
  sleep 1; c=$($CD logs pz | wc -l)
  [ "$c" -gt "$b" ]
  api -X POST http://d/containers/pz/unpause | grep -q "Container $id is not paused"
  $CD create --name cr busybox true >/dev/null
  [ "$(status POST /containers/cr/pause)" = 409 ]
  api -X POST http://d/containers/cr/pause | grep -q "is not running"
  api "http://d/events?since=$since&until=$(( $(date +%s) + 1 ))&filters=%7B%22container%22%3A%5B%22pz%22%5D%7D" >"$T/ev"
  grep -q '"Action":"pause"' "$T/ev" && grep -q '"Action":"unpause"' "$T/ev"
}

@test "stop and kill of a paused container work" {
  $CD run -d --name ps1 --network none busybox sleep 1000 >/dev/null
  $CD run -d --name ps2 --network none busybox sleep 1000 >/dev/null
  $CD pause ps1 ps2
  run timeout 20 $CD stop -t 1 ps1
  [ "$status" -eq 0 ]
  [ "$(api http://d/containers/ps1/json | json State.Status)" = exited ]
  run timeout 20 $CD kill ps2
  [ "$status" -eq 0 ]
  for i in $(seq 100); do [ "$(api http://d/containers/ps2/json | json State.Status)" = exited ] && break; sleep 0.05; done
  [ "$(api http://d/containers/ps2/json | json State.Status)" = exited ]
  [ "$(api http://d/containers/ps2/json | json State.ExitCode)" = 137 ]
}

@test "update changes the cgroup files, inspect and the restart policy live" {
  $CD run -d --name upd --network none --memory 64m busybox sleep 1000 >/dev/null
  run $CD update --memory 128m --memory-swap 256m --cpus 1 --pids-limit 50 --cpuset-cpus 0-1 --cpu-shares 256 --restart on-failure:3 upd
  [ "$status" -eq 0 ]
  [ "$(cg memory upd memory.limit_in_bytes)" = 134217728 ]
  [ "$(cg memory upd memory.memsw.limit_in_bytes)" = 268435456 ]
  [ "$(cg cpu upd cpu.cfs_quota_us)" = 100000 ]
  [ "$(cg cpu upd cpu.shares)" = 256 ]
  [ "$(cg pids upd pids.max)" = 50 ]
  [ "$(cg cpuset upd cpuset.cpus)" = 0-1 ]
  [ "$(hc upd Memory)" = 134217728 ]
  [ "$(hc upd NanoCpus)" = 1000000000 ]
  [ "$(hc upd PidsLimit)" = 50 ]
  [ "$(hc upd RestartPolicy.Name)" = on-failure ]
  [ "$(hc upd RestartPolicy.MaximumRetryCount)" = 3 ]
  out=$(api -X POST -H 'Content-Type: application/json' http://d/containers/upd/update -d '{"PidsLimit":0}')
  [ "$out" = '{"Warnings":[]}' ]
  [ "$(cg pids upd pids.max)" = max ]
  # memory-swap smaller than memory: refused, nothing changed
  [ "$(status POST /containers/upd/update -H 'Content-Type: application/json' -d '{"Memory":268435456,"MemorySwap":134217728}')" = 400 ]
  [ "$(hc upd Memory)" = 134217728 ]
  # a created container: only the stored HostConfig changes, used at start
  $CD create --name updc --network none busybox sleep 1000 >/dev/null
  $CD update --memory 48m updc
  [ "$(hc updc Memory)" = 50331648 ]
  $CD start updc
  [ "$(cg memory updc memory.limit_in_bytes)" = 50331648 ]
}

@test "update below the memory in use: the kernel's refusal is a 400 naming the file" {
  $CD run -d --name full --network none --memory 64m --shm-size 128m busybox sh -c 'dd if=/dev/zero of=/dev/shm/f bs=1M count=40 && sleep 1000' >/dev/null
  for i in $(seq 100); do [ "$($CD logs full 2>&1 | grep -c copied)" = 1 ] && break; sleep 0.1; done
  out=$(api -X POST -H 'Content-Type: application/json' http://d/containers/full/update -d '{"Memory":10485760,"MemorySwap":10485760}')
  [[ "$out" == *"Cannot update container"*"memory"*"limit_in_bytes"* ]]
  [ "$(status POST /containers/full/update -H 'Content-Type: application/json' -d '{"Memory":10485760,"MemorySwap":10485760}')" = 400 ]
  [ "$(hc full Memory)" = 67108864 ]
}

@test "ulimit, sysctl, oom-score-adj and cgroup-parent reach the container" {
  run $CD run --rm --network none --ulimit nofile=1024:2048 busybox sh -c 'ulimit -n; ulimit -Hn'
  [ "$output" = $'1024\n2048' ]
  run $CD run --rm --network none --sysctl net.ipv4.ip_forward=1 --sysctl kernel.shmmni=1000 busybox sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni'
  [ "$output" = $'1\n1000' ]
  run $CD run --rm --network none --oom-score-adj 500 busybox cat /proc/self/oom_score_adj
  [ "$output" = 500 ]
  $CD run -d --name par --network none --cgroup-parent "cdres-parent-$$" busybox sleep 1000 >/dev/null
  id=$(api http://d/containers/par/json | json Id)
  [ -d "/sys/fs/cgroup/memory/cdres-parent-$$/$id" ]
  [ "$(hc par CgroupParent)" = "cdres-parent-$$" ]
  $CD rm -f par
  [ ! -d "/sys/fs/cgroup/memory/cdres-parent-$$/$id" ]
}

@test "bad input is refused before anything is created, with Docker's messages" {
  run $CD run --network none --memory 4m busybox true
  [ "$status" -ne 0 ]; [[ "$output" == *"Minimum memory limit allowed is 6MB"* ]]
  run $CD create --cpus 1 --cpu-quota 50000 busybox true
  [[ "$output" == *"Conflicting options: Nano CPUs and CPU Quota cannot both be set"* ]]
  run $CD create --cpus 1 --cpu-period 50000 busybox true
  [[ "$output" == *"Conflicting options: Nano CPUs and CPU Period cannot both be set"* ]]
  run $CD create --cpuset-cpus 0,99 busybox true
  [[ "$output" == *"Requested CPUs are not available - requested 0,99"* ]]
  run $CD create --device /dev/nonexistent-cdres busybox true
  [[ "$output" == *'adding custom device "/dev/nonexistent-cdres": No such file or directory'* ]]
  run $CD create --sysctl kernel.hostname=x busybox true
  [[ "$output" == *"sysctl 'kernel.hostname' is not allowed"* ]]
  run $CD create --network host --sysctl net.ipv4.ip_forward=1 busybox true
  [[ "$output" == *"not allowed in host network namespace"* ]]
  run $CD create --ulimit nofile=30000000:30000000 busybox true
  [[ "$output" == *"ulimit nofile: hard limit"* ]]
  run $CD create --memory 64m --memory-swap 32m busybox true
  [[ "$output" == *"Minimum memoryswap limit should be larger than memory limit"* ]]
  run $CD create --memory abc busybox true
  [[ "$output" == *'invalid argument "abc" for "--memory" flag'* ]]
  [ "$(status POST /containers/create -H 'Content-Type: application/json' -d '{"Image":"busybox","HostConfig":{"Memory":1000}}')" = 400 ]
  [ "$(count_ctrs)" = 0 ]
}

@test "docker CLI: run --memory, inspect, update, pause, unpause" {
  [ -x /usr/local/bin/docker ] || skip "no docker CLI"
  run $DOCKER run --rm --network none --memory 64m busybox true
  [ "$status" -eq 0 ]
  $DOCKER run -d --name dm --network none --memory 64m busybox sleep 100 >/dev/null
  [ "$($DOCKER inspect -f '{{.HostConfig.Memory}}' dm)" = 67108864 ]
  $DOCKER update --memory 96m --memory-swap 192m dm >/dev/null
  [ "$($DOCKER inspect -f '{{.HostConfig.Memory}}' dm)" = 100663296 ]
  [ "$(cg memory dm memory.limit_in_bytes)" = 100663296 ]
  $DOCKER pause dm >/dev/null
  [ "$($DOCKER inspect -f '{{.State.Status}} {{.State.Paused}}' dm)" = "paused true" ]
  $DOCKER unpause dm >/dev/null
  [ "$($DOCKER inspect -f '{{.State.Status}} {{.State.Paused}}' dm)" = "running false" ]
}
