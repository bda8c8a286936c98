#!/usr/bin/python3
"""Consistency of one cdaemon's containers with what is on disk and running.

usage: reconcile_check.py T CGROUP_PARENT BASELINE

T: the test directory (cd.sock, root/, run/); CGROUP_PARENT: the daemon's
--cgroup-parent; BASELINE: a file listing the names in root/overlay2 before
any container existed (the image's layers and l/). Prints one line per
problem and exits 1 when there is any. Checks:
  - no overlay (or other) mount under T that does not belong to a container row
  - no cgroup directory under the cgroup parent without a running container
  - no container layer (overlay2/<id>, <id>-init), container directory
    (root/containers/<id>) or bundle (run/containers/<id>) without a row;
    no dangling overlay2/l link; nothing left in root/tmp or root/tmp-old
  - no row pointing at missing files (layers, their links, its directory;
    hostname/hosts/resolv.conf and the bundle's config.json when running)
  - no monitor without a row; a running container has a live pid whose
    parent is its one live monitor; a created or exited one has no monitor,
    no pid and no cgroup
"""
import http.client
import json
import os
import socket
import sys


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__('localhost', timeout=10)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self.path)


def get(sock, path):
    c = UnixHTTP(sock)
    c.request('GET', path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, json.loads(body) if body else None


def proc_stat(pid):
    """(state, ppid) of a process, or None when gone."""
    try:
        st = open('/proc/%d/stat' % pid).read()
    except OSError:
        return None
    f = st[st.rindex(')') + 2:].split()
    return f[0], int(f[1])


def monitors(run):
    """{pid: (ppid, id)} of live cdmon processes whose bundle is under run/containers."""
    pre = run + '/containers/'
    out = {}
    for p in os.listdir('/proc'):
        if not p.isdigit():
            continue
        try:
            argv = open('/proc/%s/cmdline' % p, 'rb').read().split(b'\0')
        except OSError:
            continue
        argv = [a.decode(errors='replace') for a in argv]
        if not os.path.basename(argv[0]).startswith('cdmon') or '--bundle' not in argv:
            continue
        i = argv.index('--bundle') + 1
        if i >= len(argv) or not argv[i].startswith(pre):
            continue
        s = proc_stat(int(p))
        if s and s[0] != 'Z':
            out[int(p)] = (s[1], argv[i][len(pre):])
    return out


def listdir(path):
    try:
        return sorted(os.listdir(path))
    except FileNotFoundError:
        return []


def main():
    t, cgp, baseline = sys.argv[1], sys.argv[2], sys.argv[3]
    root, run, sock = t + '/root', t + '/run', t + '/cd.sock'
    base = set(open(baseline).read().split())
    problems = []
    bad = problems.append

    status, rows = get(sock, '/containers/json?all=1')
    if status != 200:
        print('GET /containers/json: %d' % status)
        return 1
    ids = {r['Id'] for r in rows}
    state = {}
    for i in ids:
        status, c = get(sock, '/containers/%s/json' % i)
        if status == 200:
            state[i] = c['State']
    mons = monitors(run)

    def owner(path):
        """The row a path under T belongs to, or None."""
        for part in path.split('/'):
            if part[:64] in ids and len(part) >= 64:
                return part[:64]
        return None

    # mounts
    for line in open('/proc/self/mountinfo'):
        f = line.split()
        mp, fstype = f[4], f[f.index('-') + 1]
        if mp.startswith(t + '/') and owner(mp[len(t):]) is None:
            bad('mount without a container row: %s (%s)' % (mp, fstype))

    # cgroups
    for h in [''] + listdir('/sys/fs/cgroup'):
        d = '/sys/fs/cgroup/%s/%s' % (h, cgp) if h else '/sys/fs/cgroup/' + cgp
        if not os.path.isdir(d):
            continue
        for c in listdir(d):
            if not os.path.isdir(d + '/' + c):
                continue
            st = state.get(c)
            if st is None or st['Status'] != 'running':
                bad('cgroup %s/%s without a running container (%s)'
                    % (d, c, st['Status'] if st else 'no row'))

    # layers, container dirs, bundles, tmp
    for n in listdir(root + '/overlay2'):
        if n in base or n == 'l':
            continue
        if not (n in ids or (n.endswith('-init') and n[:-5] in ids)):
            bad('layer directory without a container row: overlay2/%s' % n)
    for n in listdir(root + '/overlay2/l'):
        if not os.path.exists(root + '/overlay2/l/' + n):
            bad('dangling layer link overlay2/l/%s -> %s'
                % (n, os.readlink(root + '/overlay2/l/' + n)))
    for n in listdir(root + '/containers'):
        if n not in ids:
            bad('container directory without a row: containers/%s' % n)
    for n in listdir(run + '/containers'):
        if n not in ids:
            bad('bundle without a row: run/containers/%s' % n)
    for n in listdir(root + '/tmp'):
        bad('left in tmp: %s' % n)
    if os.path.exists(root + '/tmp-old'):
        bad('tmp-old not cleaned: %s' % listdir(root + '/tmp-old'))

    # rows -> files
    for i in ids:
        for layer in (i, i + '-init'):
            d = root + '/overlay2/' + layer
            for f in ('diff', 'link', 'lower'):
                if not os.path.exists(d + '/' + f):
                    bad('container %.12s: missing %s/%s' % (i, layer, f))
            try:
                link = open(d + '/link').read().strip()
                if not os.path.exists(root + '/overlay2/l/' + link):
                    bad('container %.12s: missing link l/%s of %s' % (i, link, layer))
            except OSError:
                pass
        if not os.path.isdir('%s/containers/%s' % (root, i)):
            bad('container %.12s: missing containers/%s' % (i, i))
        # written at every start (as Docker does): a running one has them
        if state.get(i, {}).get('Status') == 'running':
            for f in ('hostname', 'hosts', 'resolv.conf'):
                if not os.path.exists('%s/containers/%s/%s' % (root, i, f)):
                    bad('container %.12s: missing containers/%s/%s' % (i, i, f))

    # monitors and processes
    by_id = {}
    for pid, (ppid, cid) in mons.items():
        if ppid in mons:
            continue  # the container's init before its exec, or a fork on the way
        by_id.setdefault(cid, []).append(pid)
        if cid not in ids:
            bad('monitor %d without a container row (%.12s)' % (pid, cid))
    for i, st in state.items():
        m = by_id.get(i, [])
        s = st['Status']
        if s == 'running':
            pid = st['Pid']
            ps = proc_stat(pid) if pid > 0 else None
            if len(m) != 1:
                bad('running %.12s has %d monitors %s' % (i, len(m), m))
            if ps is None or ps[0] == 'Z':
                bad('running %.12s: pid %d is not alive' % (i, pid))
            elif ps[1] not in m:
                bad('running %.12s: pid %d has parent %d, not its monitor %s' % (i, pid, ps[1], m))
            if not os.path.exists('%s/containers/%s/config.json' % (run, i)):
                bad('running %.12s: no bundle config.json' % i)
        elif s in ('created', 'exited'):
            if m:
                bad('%s %.12s has monitors %s' % (s, i, m))
            if st['Pid'] != 0:
                bad('%s %.12s has pid %d' % (s, i, st['Pid']))
        elif s == 'restarting':
            if len(m) > 1:
                bad('restarting %.12s has %d monitors %s' % (i, len(m), m))
        else:
            bad('%.12s in unexpected state %s' % (i, s))

    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
