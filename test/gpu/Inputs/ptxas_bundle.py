# ptxas_bundle.py PTXAS DIR [BENCH_GLOB...]: assembles the PTX of every GPU
# case in DIR/cases and of the bench kernels matching a BENCH_GLOB in
# DIR/bench with ptxas (for the architecture its .target names; sm_90a for
# wgmma code), so that PTX the
# GPU machine would reject is found here. Prints one line per failure.
import fnmatch, glob, os, struct, subprocess, sys, tempfile

ptxas, top = sys.argv[1], sys.argv[2]
patterns = sys.argv[3:] or ["*"]

def case_ptx(path):
    d = open(path, "rb").read()
    assert d[:8] == b"TERNGPC1", path
    at = 8
    (n,) = struct.unpack_from("<Q", d, at); at += 8 + n      # name
    at += 8                                                  # minSm, onlySm
    (m,) = struct.unpack_from("<I", d, at); at += 4
    out = []
    for _ in range(m):
        (n,) = struct.unpack_from("<Q", d, at); at += 8
        out.append(d[at:at + n].decode()); at += n
    return out

jobs = []
for p in sorted(glob.glob(os.path.join(top, "cases", "*.gpucase"))):
    for i, ptx in enumerate(case_ptx(p)):
        jobs.append((f"{os.path.basename(p)}[{i}]", ptx))
for p in sorted(glob.glob(os.path.join(top, "bench", "*.gpubench"))):
    if any(fnmatch.fnmatch(os.path.basename(p), g) for g in patterns):
        jobs.append((os.path.basename(p), open(p).read().split("\n", 1)[1]))
bad = 0
with tempfile.TemporaryDirectory() as tmp:
    src, obj = os.path.join(tmp, "k.ptx"), os.path.join(tmp, "k.cubin")
    for name, ptx in jobs:
        open(src, "w").write(ptx)
        # The architecture the PTX names (.target sm_80 / sm_90 / sm_90a).
        target = next((l.split()[1].rstrip(",") for l in ptx.splitlines()
                       if l.startswith(".target")), "sm_80")
        arch = "sm_90a" if "wgmma" in ptx else target
        r = subprocess.run([ptxas, "-arch=" + arch, src, "-o", obj], capture_output=True, text=True)
        if r.returncode != 0:
            bad += 1
            print(f"FAIL {name}: {r.stderr.strip()}")
print(f"assembled {len(jobs) - bad} of {len(jobs)} PTX modules")
sys.exit(1 if bad or not jobs else 0)
