#!/usr/bin/env python3
"""Writes a docker-save tar of about SIZE_MB spread over LAYERS layers (files of
mixed sizes, incompressible data) for load benchmarks. usage: mkbig.py OUT SIZE_MB LAYERS"""
import hashlib
import io
import json
import os
import random
import sys
import tarfile

out, size_mb, nlayers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(42)
block = os.urandom(1 << 20)
per_layer = size_mb * (1 << 20) // nlayers
diff_ids, layers = [], []
for i in range(nlayers):
    path = f"{out}.layer{i}"
    h = hashlib.sha256()
    with open(path, "wb") as f:
        class W:
            def write(self, b):
                h.update(b)
                f.write(b)
                return len(b)
        with tarfile.open(fileobj=W(), mode="w|") as t:
            written, n = 0, 0
            while written < per_layer:
                sz = rng.choice([512, 4096, 65536, 1 << 20, 4 << 20])
                ti = tarfile.TarInfo(f"layer{i}/dir{n % 50}/file{n}")
                ti.size = sz
                data = (block * (sz // len(block) + 1))[:sz] if sz >= len(block) else block[(n * 7919) % 4096:][:sz]
                t.addfile(ti, io.BytesIO(data))
                written += sz
                n += 1
    diff_ids.append("sha256:" + h.hexdigest())
    layers.append(path)
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                  "rootfs": {"type": "layers", "diff_ids": diff_ids},
                  "history": [{"created_by": f"layer {i}"} for i in range(nlayers)]}).encode()
cid = hashlib.sha256(cfg).hexdigest()
man = json.dumps([{"Config": cid + ".json", "RepoTags": ["bench/big:latest"],
                   "Layers": [f"l{i}/layer.tar" for i in range(nlayers)]}]).encode()
with tarfile.open(out, "w") as t:
    ti = tarfile.TarInfo(cid + ".json"); ti.size = len(cfg); t.addfile(ti, io.BytesIO(cfg))
    for i, p in enumerate(layers):
        t.add(p, arcname=f"l{i}/layer.tar")
        os.unlink(p)
    ti = tarfile.TarInfo("manifest.json"); ti.size = len(man); t.addfile(ti, io.BytesIO(man))
