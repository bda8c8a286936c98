#!/usr/bin/env bats
# runtime/: rt_start and rt_cleanup through the rtrun driver, on bundles made
# from the busybox test image: a bind-mounted root (both layers applied) or
# overlayfs over the two layers. The configs follow Docker's defaults.
load helpers
bats_require_minimum_version 1.5.0

RTRUN=${RTRUN:-}
if [ -z "$RTRUN" ]; then
  if [ -x "$BIN_DIR/../obj/rtrun" ]; then RTRUN=$(cd "$BIN_DIR/../obj" && pwd)/rtrun; else RTRUN=$PROJ/build/obj/rtrun; fi
fi

# Applies the AUFS whiteouts of layer dir $1: as deletions in $2 (a merged
# tree) when given, else converted to overlay whiteouts in place.
whiteouts() {
  python3 - "$@" <<'PY'
import os, shutil, sys
layer, merged = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else None)
for d, dirs, files in os.walk(layer):
    for f in files:
        if not f.startswith(".wh."):
            continue
        if merged:
            target = os.path.join(merged, os.path.relpath(d, layer))
            os.unlink(os.path.join(target, f))
            if f == ".wh..wh..opq":
                doomed = [e for e in os.listdir(target) if e not in os.listdir(d)]
            else:
                doomed = [f[4:]] if os.path.lexists(os.path.join(target, f[4:])) else []
            for e in doomed:
                p = os.path.join(target, e)
                shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.unlink(p)
            continue
        os.unlink(os.path.join(d, f))
        if f == ".wh..wh..opq":
            os.setxattr(d, "trusted.overlay.opaque", b"y")
        else:
            os.mknod(os.path.join(d, f[4:]), 0o600 | 0o020000, os.makedev(0, 0))
PY
}

setup_file() {
  [ -x "$RTRUN" ] || make -C "$PROJ" -s build/obj/rtrun >&2
  [ -f "$IMAGES/busybox.tar" ] || make -C "$PROJ" -s image >&2
  RT_BASE=$(mktemp -d /tmp/cdrt.XXXXXX)
  export RT_BASE RTRUN
  mkdir -p "$RT_BASE/img" "$RT_BASE/l1" "$RT_BASE/l2" "$RT_BASE/flat"
  tar -xf "$IMAGES/busybox.tar" -C "$RT_BASE/img"
  local layers
  layers=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))[0]["Layers"]))' \
    "$RT_BASE/img/manifest.json")
  set -- $layers
  tar -xf "$RT_BASE/img/$1" -C "$RT_BASE/l1"
  tar -xf "$RT_BASE/img/$2" -C "$RT_BASE/l2"
  tar -xf "$RT_BASE/img/$1" -C "$RT_BASE/flat"
  tar -xf "$RT_BASE/img/$2" -C "$RT_BASE/flat"
  whiteouts "$RT_BASE/l2" "$RT_BASE/flat"
  whiteouts "$RT_BASE/l2"
  cat >"$RT_BASE/mkconfig.py" <<'PY'
# mkconfig.py BUNDLE ARGS_JSON CGROUP [python statements editing c]
import json, os, sys
bundle, args, cgroup = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
caps = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]
def dev(p, ma, mi):
    return {"path": p, "type": "c", "major": ma, "minor": mi, "fileMode": 0o666, "uid": 0, "gid": 0}
def mnt(d, t, s, o):
    return {"destination": d, "type": t, "source": s, "options": o}
c = {
  "ociVersion": "1.0.2",
  "root": {"path": "rootfs", "readonly": False},
  "hostname": "rtbox",
  "process": {
    "terminal": False, "user": {"uid": 0, "gid": 0}, "args": args, "cwd": "/",
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=rtbox"],
    "capabilities": {k: caps for k in ("bounding", "effective", "permitted", "inheritable")},
  },
  "mounts": [
    mnt("/proc", "proc", "proc", ["nosuid", "noexec", "nodev"]),
    mnt("/dev", "tmpfs", "tmpfs", ["nosuid", "strictatime", "mode=755", "size=65536k"]),
    mnt("/dev/pts", "devpts", "devpts",
        ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
    mnt("/sys", "sysfs", "sysfs", ["nosuid", "noexec", "nodev", "ro"]),
    mnt("/sys/fs/cgroup", "cgroup", "cgroup", ["ro", "nosuid", "noexec", "nodev"]),
    mnt("/dev/mqueue", "mqueue", "mqueue", ["nosuid", "noexec", "nodev"]),
    mnt("/dev/shm", "tmpfs", "shm", ["nosuid", "noexec", "nodev", "mode=1777", "size=67108864"]),
  ],
  "linux": {
    "namespaces": [{"type": t} for t in ("mount", "network", "uts", "pid", "ipc", "cgroup")],
    "cgroupsPath": "/" + cgroup,
    "maskedPaths": ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
                    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                    "/proc/sched_debug", "/proc/scsi", "/sys/firmware"],
    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    "devices": [dev("/dev/null", 1, 3), dev("/dev/zero", 1, 5), dev("/dev/full", 1, 7),
                dev("/dev/random", 1, 8), dev("/dev/urandom", 1, 9), dev("/dev/tty", 5, 0)],
  },
  "annotations": {},
}
for stmt in sys.argv[4:]:
    exec(stmt)
with open(os.path.join(bundle, "config.json"), "w") as f:
    json.dump(c, f, indent=1)
PY
}

teardown_file() {
  if [ -n "${RT_BASE:-}" ] && [ -d "$RT_BASE" ]; then
    unmount_under "$RT_BASE"
    rm -rf "$RT_BASE"
  fi
}

unmount_under() {
  grep " $1" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null
  done
}

setup() {
  B=$(mktemp -d "$RT_BASE/b.XXXXXX")
  cp -a "$RT_BASE/flat" "$B/rootfs"
  CG=cdrt-$$-$BATS_TEST_NUMBER
}

teardown() {
  unmount_under "$B"
  for d in /sys/fs/cgroup/*/"$CG" /sys/fs/cgroup/"$CG"; do
    [ -d "$d" ] && rmdir "$d" 2>/dev/null
  done
  rm -rf "$B"
}

# cfg ARGS_JSON [python statements editing c]: writes $B/config.json.
cfg() { python3 "$RT_BASE/mkconfig.py" "$B" "$1" "$CG" "${@:2}"; }
# rt [STATUS]: runs the bundle (STATUS: the exit status it must have).
rt() {
  if [ $# -gt 0 ]; then run "-$1" timeout 30 "$RTRUN" "$B"; else run timeout 30 "$RTRUN" "$B"; fi
}
mounted() { grep -c " $B" /proc/self/mountinfo || true; }

@test "runtime: echo hi, exit status 0, nothing left mounted or in cgroups" {
  cfg '["echo", "hi"]'
  rt
  [ "$status" -eq 0 ]
  [ "$output" = hi ]
  [ "$(mounted)" -eq 0 ]
  [ ! -e "/sys/fs/cgroup/pids/$CG" ]
}

@test "runtime: the init is PID 1 and /proc shows only the container's processes" {
  cfg '["sh", "-c", "echo $$; echo /proc/[0-9]*"]'
  rt
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1 ]
  [ "${lines[1]}" = /proc/1 ]
}

@test "runtime: hostname, stdin passthrough, environment" {
  cfg '["sh", "-c", "hostname; cat; echo $HOSTNAME $HOME"]'
  run sh -c "echo from-stdin | timeout 30 '$RTRUN' '$B'"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = rtbox ]
  [ "${lines[1]}" = from-stdin ]
  [ "${lines[2]}" = "rtbox /root" ]
}

@test "runtime: exit codes pass through, a signal becomes 128+N" {
  cfg '["sh", "-c", "exit 3"]'
  rt
  [ "$status" -eq 3 ]
  cfg '["sh", "-c", "touch /tmp/ready; sleep 30"]'
  timeout 30 "$RTRUN" "$B" 3>&- &
  local pid=$! i status=0
  for i in $(seq 200); do [ -e "$B/rootfs/tmp/ready" ] && break; sleep 0.05; done
  kill -9 "$(head -n 1 "/sys/fs/cgroup/pids/$CG/cgroup.procs")"
  wait "$pid" || status=$?
  [ "$status" -eq 137 ]
}

@test "runtime: /sys and /sys/fs/cgroup are read-only, /proc/sys too" {
  cfg '["sh", "-c", "touch /sys/x; touch /sys/fs/cgroup/x; echo 1 >/proc/sys/vm/overcommit_memory; grep -E \" /sys | /proc/sys \" /proc/mounts"]'
  rt
  [[ "$output" == *"touch: /sys/x: Read-only file system"* ]]
  [[ "$output" == *"touch: /sys/fs/cgroup/x: Read-only file system"* ]]
  [[ "$output" == *"Read-only file system"*"Read-only file system"*"Read-only file system"* ]]
  echo "$output" | grep -q '^sysfs /sys sysfs ro,'
  echo "$output" | grep -q '^proc /proc/sys proc ro,'
}

@test "runtime: masked paths are empty" {
  cfg '["sh", "-c", "for f in /proc/kcore /proc/keys /proc/timer_list; do [ -e $f ] && echo $f $(wc -c <$f); done; echo fw $(ls -A /sys/firmware | wc -l)"]'
  rt
  [ "$status" -eq 0 ]
  [[ "$output" == *"/proc/keys 0"* ]]
  [[ "$output" == *"fw 0"* ]]
  if [ -e /proc/kcore ]; then [[ "$output" == *"/proc/kcore 0"* ]]; fi
  ! echo "$output" | grep -Eq '^/proc/[a-z_]+ [1-9]'
}

@test "runtime: Docker's default capabilities (CapEff 00000000a80425fb), no new privileges" {
  cfg '["sh", "-c", "grep -E \"^(CapEff|CapBnd|NoNewPrivs)\" /proc/self/status"]' \
    'c["process"]["noNewPrivileges"] = True'
  rt
  [ "$status" -eq 0 ]
  [[ "$output" == *"CapEff:	00000000a80425fb"* ]]
  [[ "$output" == *"CapBnd:	00000000a80425fb"* ]]
  [[ "$output" == *"NoNewPrivs:	1"* ]]
}

@test "runtime: cdaemon.user cduser: uid/gid 1000, wheel and users, HOME, no capabilities" {
  cfg '["sh", "-c", "id; echo $HOME; grep CapEff /proc/self/status; touch /etc/x"]' \
    'c["annotations"]["cdaemon.user"] = "cduser"'
  rt
  [[ "${lines[0]}" == "uid=1000(cduser) gid=1000(cdgroup) groups="* ]]
  [[ "${lines[0]}" == *"10(wheel)"* ]]
  [[ "${lines[0]}" == *"100(users)"* ]]
  [ "${lines[1]}" = /home/cduser ]
  [[ "${lines[2]}" == *"0000000000000000" ]]
  [[ "$output" == *"touch: /etc/x: Permission denied"* ]]
  cfg '["id"]' 'c["annotations"]["cdaemon.user"] = "nosuchuser"'
  rt
  [ "$status" -eq 125 ]
  [[ "$output" == *"unable to find user nosuchuser: no matching entries in passwd file"* ]]
}

@test "runtime: cdaemon.mkcwd creates the working directory; a missing one fails" {
  cfg '["pwd"]' 'c["process"]["cwd"] = "/work/dir"' 'c["annotations"]["cdaemon.mkcwd"] = "1"'
  rt
  [ "$status" -eq 0 ]
  [ "$output" = /work/dir ]
  cfg '["pwd"]' 'c["process"]["cwd"] = "/nonexistent"'
  rt
  [ "$status" -eq 125 ]
  [[ "$output" == *'chdir to cwd ("/nonexistent") set in config.json failed: No such file or directory'* ]]
}

@test "runtime: a missing command exits 127, a directory 126, with Docker's messages" {
  cfg '["nosuch"]'
  rt 127
  [[ "$output" == *'exec: "nosuch": executable file not found in $PATH'* ]]
  cfg '["/etc"]'
  rt
  [ "$status" -eq 126 ]
  [[ "$output" == *'exec: "/etc": permission denied'* ]]
  cfg '["/no/such"]'
  rt 127
  [[ "$output" == *'exec: "/no/such": stat /no/such: no such file or directory'* ]]
  [ "$(mounted)" -eq 0 ]
  [ ! -e "/sys/fs/cgroup/pids/$CG" ]
}

@test "runtime: overlay root: writes go to upperdir, whiteout and opaque dir apply" {
  mkdir -p "$B/upper" "$B/work"
  rmdir "$B/rootfs" 2>/dev/null || rm -rf "$B/rootfs"
  mkdir "$B/rootfs"
  cfg '["sh", "-c", "ls /etc/motd; ls /opt/replaced; cat /etc/cdaemon-release; echo data >/newfile"]' \
    "c['annotations'].update({'cdaemon.overlay.lowerdir': '$RT_BASE/l2:$RT_BASE/l1', 'cdaemon.overlay.upperdir': '$B/upper', 'cdaemon.overlay.workdir': '$B/work'})"
  rt
  [ "$status" -eq 0 ]
  [[ "$output" == *"ls: /etc/motd: No such file or directory"* ]]
  [ "$(echo "$output" | grep -x new.txt)" = new.txt ]
  ! echo "$output" | grep -qx old.txt
  [[ "$output" == *"cdaemon busybox test image"* ]]
  [ "$(cat "$B/upper/newfile")" = data ]
  [ ! -e "$RT_BASE/l1/newfile" ]
  [ -z "$(ls -A "$B/rootfs")" ]
  [ "$(mounted)" -eq 0 ]
}

@test "runtime: a long lowerdir (over a page) is mounted relative to the layers' parent" {
  local p=$B/$(printf 'p%.0s' $(seq 120)) low i
  mkdir -p "$p/upper" "$p/work"
  cp -a "$RT_BASE/l1" "$RT_BASE/l2" "$p/"
  low="$p/l2:$p/l1"
  for i in $(seq 30); do mkdir -p "$p/$(printf '%032d' "$i")"; low="$low:$p/$(printf '%032d' "$i")"; done
  [ "${#low}" -gt 4096 ]
  cfg '["cat", "/etc/cdaemon-release"]' \
    "c['annotations'].update({'cdaemon.overlay.lowerdir': '$low', 'cdaemon.overlay.upperdir': '$p/upper', 'cdaemon.overlay.workdir': '$p/work'})"
  rt
  [ "$status" -eq 0 ]
  [ "$output" = "cdaemon busybox test image" ]
}

@test "runtime: the cgroup exists while running (cgroup namespace root) and rt_cleanup removes it" {
  cfg '["sh", "-c", "cat /proc/self/cgroup >/tmp/cg; touch /tmp/ready; while [ ! -e /tmp/stop ]; do sleep 0.05; done"]'
  timeout 30 "$RTRUN" "$B" 3>&- &
  local pid=$! i
  for i in $(seq 200); do [ -e "$B/rootfs/tmp/ready" ] && break; sleep 0.05; done
  [ -e "$B/rootfs/tmp/ready" ]
  [ -n "$(cat "/sys/fs/cgroup/pids/$CG/cgroup.procs")" ]
  [ -n "$(cat "/sys/fs/cgroup/memory/$CG/cgroup.procs")" ]
  if [ -d /sys/fs/cgroup/unified ]; then [ -n "$(cat "/sys/fs/cgroup/unified/$CG/cgroup.procs")" ]; fi
  grep -q '^[0-9]*:pids:/$' "$B/rootfs/tmp/cg"
  touch "$B/rootfs/tmp/stop"
  wait "$pid"
  for d in /sys/fs/cgroup/*/; do [ ! -e "$d$CG" ]; done
}

@test "runtime: an image symlink cannot send a mount target out of the root" {
  local host=$B/hostdir
  mkdir -p "$host" "$B/src"
  echo payload >"$B/src/f"
  ln -s "$host" "$B/rootfs/evil"
  cfg '["cat", "/evil/x/f"]' \
    "c['mounts'].append({'destination': '/evil/x', 'type': 'bind', 'source': 'src', 'options': ['rbind', 'ro']})"
  rt
  [ "$status" -eq 0 ]
  [ "$output" = payload ]
  [ ! -e "$host/x" ]
  [ -d "$B/rootfs$host/x" ]
  [ "$(mounted)" -eq 0 ]
}

@test "runtime: bind mounts (ro, file), tmpfs options, devices and /dev links" {
  mkdir -p "$B/vol"
  echo one >"$B/file"
  cfg '["sh", "-c", "cat /etc/one; touch /vol/x; grep \" /scratch \" /proc/mounts; ls -l /dev/null /dev/ptmx /dev/fd | cut -c1-10; head -c 4 /dev/zero | wc -c"]' \
    "c['mounts'] += [{'destination': '/vol', 'type': 'bind', 'source': 'vol', 'options': ['rbind', 'ro']}, {'destination': '/etc/one', 'type': 'bind', 'source': 'file', 'options': ['bind']}, {'destination': '/scratch', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['nosuid', 'size=1m', 'mode=700']}]"
  rt
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = one ]
  [[ "$output" == *"touch: /vol/x: Read-only file system"* ]]
  [[ "$output" == *"tmpfs /scratch tmpfs rw,nosuid,relatime,size=1024k,mode=700"* ]]
  [[ "$output" == *"crw-rw-rw-"* ]]
  [ "$(echo "$output" | grep -c '^lrwxrwxrwx')" -eq 2 ]
  [ "${lines[-1]}" = 4 ]
}

@test "runtime: rlimits within the hard limit apply; above it fail naming the limit" {
  cfg '["sh", "-c", "ulimit -n; ulimit -Hn"]' \
    'c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024}]'
  rt
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 512 ]
  [ "${lines[1]}" = 1024 ]
  local hard
  hard=$(ulimit -Hn)
  [ "$hard" != unlimited ] || skip "no hard nofile limit here"
  cfg '["true"]' "c['process']['rlimits'] = [{'type': 'RLIMIT_NOFILE', 'soft': 1024, 'hard': $((hard + 1))}]"
  rt
  [ "$status" -eq 125 ]
  [[ "$output" == *"rlimit RLIMIT_NOFILE: hard limit $((hard + 1)) exceeds the current hard limit $hard"* ]]
}

@test "runtime: oomScoreAdj is written; a negative one fails clearly without CAP_SYS_RESOURCE" {
  cfg '["cat", "/proc/self/oom_score_adj"]' 'c["process"]["oomScoreAdj"] = 300'
  rt
  [ "$status" -eq 0 ]
  [ "$output" = 300 ]
  grep -q 'CapEff:.*' /proc/self/status
  if [ $(( 0x$(awk '/CapEff/ {print $2}' /proc/self/status) >> 24 & 1 )) -eq 1 ]; then
    skip "this host grants CAP_SYS_RESOURCE"
  fi
  cfg '["true"]' 'c["process"]["oomScoreAdj"] = -500'
  rt
  [ "$status" -eq 125 ]
  [[ "$output" == *"set oom_score_adj to -500: Permission denied (lowering it needs CAP_SYS_RESOURCE)"* ]]
}

@test "runtime: network namespace: new, joined by path, or the host's" {
  cfg '["sh", "-c", "grep -c : /proc/net/dev"]'
  rt
  [ "$status" -eq 0 ]
  [ "$output" = 1 ]
  touch "$B/netns"
  unshare --net="$B/netns" true
  local ino
  ino=$(stat -L -c %i "$B/netns")
  cfg '["readlink", "/proc/self/ns/net"]' \
    "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network'] + [{'type': 'network', 'path': '$B/netns'}]"
  rt
  [ "$status" -eq 0 ]
  [ "$output" = "net:[$ino]" ]
  cfg '["readlink", "/proc/self/ns/net"]' \
    "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network']"
  rt
  [ "$output" = "$(readlink /proc/self/ns/net)" ]
}

@test "runtime: read-only root; /dev stays writable" {
  cfg '["sh", "-c", "touch /x; echo ok >/dev/shm/y && cat /dev/shm/y"]' 'c["root"]["readonly"] = True'
  rt
  [ "$status" -eq 0 ]
  [[ "$output" == *"touch: /x: Read-only file system"* ]]
  [ "${lines[-1]}" = ok ]
}

@test "runtime: terminal mode: the pty is the controlling terminal and /dev/console" {
  cfg '["sh", "-c", "[ -t 0 ] && echo tty-in; ls -l /dev/console | cut -c1; ps -o pid,tty | grep -c 136,"]' \
    'c["process"]["terminal"] = True'
  run timeout 30 python3 -c '
import os, pty, subprocess, sys
m, s = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stdin=s, stdout=s, stderr=s, start_new_session=True)
os.close(s)
out = b""
while True:
    try:
        d = os.read(m, 4096)
    except OSError:
        break
    if not d:
        break
    out += d
rc = p.wait()
sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
sys.exit(rc)' "$RTRUN" "$B"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = tty-in ]
  [ "${lines[1]}" = c ]
  [ "${lines[2]}" -ge 1 ]
}

@test "runtime: a failing mount reports the step, leaves no mount, process or cgroup" {
  cfg '["true"]' \
    "c['mounts'].append({'destination': '/bad', 'type': 'nosuchfs', 'source': 'none', 'options': []})"
  rt
  [ "$status" -eq 125 ]
  [[ "$output" == *'mount `none` on `/bad`: No such device'* ]]
  [ "$(mounted)" -eq 0 ]
  for d in /sys/fs/cgroup/*/; do [ ! -e "$d$CG" ]; done
  cfg '["true"]' "c['mounts'].append({'destination': '/m', 'type': 'bind', 'source': '/nonexistent', 'options': ['bind']})"
  rt
  [ "$status" -eq 125 ]
  [[ "$output" == *'bind mount source `/nonexistent`: No such file or directory'* ]]
  [ "$(mounted)" -eq 0 ]
}

@test "runtime: config errors name the key and start nothing" {
  cfg '["true"]' 'c["process"]["capabilities"]["bounding"].append("CAP_BOGUS")'
  rt
  [ "$status" -eq 125 ]
  [[ "$output" == *'process.capabilities.bounding: unknown capability "CAP_BOGUS"'* ]]
  cfg '["true"]' 'c["linux"]["namespaces"] = [{"type": "pid"}]' 'del c["hostname"]'
  rt
  [ "$status" -eq 125 ]
  [[ "$output" == *"linux.namespaces: a mount namespace is required"* ]]
  [ ! -e "/sys/fs/cgroup/pids/$CG" ]
}
