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
     "tern-compile",
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

# AArch64 executables: tern-compile links them when this build found the
# cross toolchain (runtime/CMakeLists.txt built libtern_runtime_aarch64.a);
# tests run them under qemu-aarch64 with "REQUIRES: aarch64-qemu".
import shutil
if os.path.exists(os.path.join(config.tern_obj_root, "lib", "aarch64",
                               "libtern_runtime_aarch64.a")):
    config.available_features.add("aarch64-cross")
    if shutil.which("aarch64-linux-gnu-g++") and shutil.which("qemu-aarch64"):
        config.available_features.add("aarch64-qemu")

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
try:
    import ctypes
    _cuda = ctypes.CDLL("libcuda.so.1")
    _count = ctypes.c_int(0)
    if _cuda.cuInit(0) == 0 and _cuda.cuDeviceGetCount(ctypes.byref(_count)) == 0 \
            and _count.value > 0:
        config.available_features.add("cuda-gpu")
except OSError:
    pass
if "cuda-gpu" not in config.available_features:
    lit_config.note("no CUDA GPU: GPU runs are skipped; the tests check the no-GPU error instead")
