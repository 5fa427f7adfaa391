# check_bundle.py DIR MAX_MIB: the GPU bundle is complete and can travel:
# at most MAX_MIB in all; every ELF file in it needs neither libMLIR nor
# libLLVM (ldd), every library it needs is glibc, libstdc++/libgcc_s or in
# the bundle's lib/, and it asks for no glibc newer than 2.34 and no
# libstdc++ newer than GCC 12's (GLIBCXX_3.4.30: Ubuntu 22.04 has both); the
# kernel cases, bench kernels and models are all there.
import os, re, subprocess, sys

top, limit = sys.argv[1], float(sys.argv[2])
errors = []
total = 0
elves = []
for root, _, files in os.walk(top):
    for f in files:
        p = os.path.join(root, f)
        total += os.path.getsize(p)
        with open(p, "rb") as fh:
            if fh.read(4) == b"\x7fELF":
                elves.append(p)
mib = total / (1 << 20)
print(f"{mib:.1f} MiB, {len(elves)} ELF files")
if mib > limit:
    errors.append(f"{mib:.1f} MiB is over {limit} MiB")
glibc = set(["libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1",
             "ld-linux-x86-64.so.2", "linux-vdso.so.1", "libstdc++.so.6", "libgcc_s.so.1"])
libdir = os.path.join(top, "lib")
bundled = set(os.listdir(libdir)) if os.path.isdir(libdir) else set()
for p in elves:
    rel = os.path.relpath(p, top)
    out = subprocess.run(["ldd", p], capture_output=True, text=True,
                         env=dict(os.environ, LD_LIBRARY_PATH=libdir)).stdout
    for line in out.splitlines():
        name = line.split()[0] if line.split() else ""
        if re.search(r"lib(MLIR|LLVM)", line):
            errors.append(f"{rel} needs {name}")
        if "not found" in line:
            errors.append(f"{rel}: {name} not found")
        base = os.path.basename(name)
        if base and base not in glibc and base not in bundled and not base.startswith("/"):
            errors.append(f"{rel} needs {base}, which is neither glibc nor in lib/")
    syms = subprocess.run(["objdump", "-T", p], capture_output=True, text=True).stdout
    versions = [tuple(int(x) for x in v.split(".")) for v in re.findall(r"GLIBC_(\d+\.\d+)", syms)]
    if versions and max(versions) > (2, 34):
        errors.append(f"{rel} needs GLIBC_{'.'.join(map(str, max(versions)))} (> 2.34)")
    cxx = [tuple(int(x) for x in v.split(".")) for v in re.findall(r"GLIBCXX_(\d+\.\d+\.\d+)", syms)]
    if cxx and max(cxx) > (3, 4, 30):
        errors.append(f"{rel} needs GLIBCXX_{'.'.join(map(str, max(cxx)))} (> 3.4.30)")
def count(sub, ext):
    d = os.path.join(top, sub)
    return len([f for f in os.listdir(d) if f.endswith(ext)]) if os.path.isdir(d) else 0
cases, bench = count("cases", ".gpucase"), count("bench", ".gpubench")
print(f"{cases} kernel cases, {bench} bench kernels")
if cases < 30:
    errors.append(f"only {cases} kernel cases")
if bench < 90:
    errors.append(f"only {bench} bench kernels")
for t in ["sm_80", "sm_90"]:
    if os.path.exists(os.path.join(top, "models", "2b4t-" + t)) and \
            not os.path.exists(os.path.join(top, "tune-" + t, "manifest.txt")):
        errors.append(f"tune-{t}/manifest.txt is missing (tern-tune --emit-candidates)")
for m in ["tiny-sm_80", "tiny-sm_90", "small-sm_80", "small-sm_90", "tiny.cpu.f32",
          "small.cpu.f32", "tiny.cpu-gen.ids", "small.cpu-gen.ids", "tiny-hf/config.json",
          "tiny-llama158-sm_80", "tiny-llama158-sm_90", "tiny-llama158.cpu.f32",
          "tiny-llama158.cpu-gen.ids", "tiny-llama158-hf/config.json"]:
    if not os.path.exists(os.path.join(top, "models", m)):
        errors.append(f"models/{m} is missing")
if os.environ.get("TERN_BUNDLE_2B4T", "1") != "0":
    for m in ["2b4t-sm_80", "2b4t-sm_90", "2b4t-sm_80.skel", "2b4t-sm_90.skel"]:
        if not os.path.exists(os.path.join(top, "models", m)):
            errors.append(f"models/{m} is missing")
for e in errors:
    print("error:", e)
sys.exit(1 if errors else 0)
