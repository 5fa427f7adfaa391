//===- tern-compile.cpp - a BitNet model as a standalone executable -------===//
//
//   tern-compile MODEL --target=host -o OUT          # OUT and OUT.tpack
//   tern-compile MODEL --target=sm_90 -o OUT         # a CUDA executable
//   tern-compile MODEL --emit=mlir|plan|kernels|llvm|asm|obj|exe -o FILE
//   tern-compile MODEL --target=sm_80 --emit=ptx -o FILE
//
// The whole pipeline: import (frontend), graph passes (fuse, pack, schedule),
// kernel generation and the host plan (codegen/cpu), lowering to LLVM IR and
// machine code for the target, then a link with the runtime. --emit stops at
// any stage; MLIR's --mlir-print-ir-after-all / --mlir-print-ir-before=PASS
// show every step of both pass pipelines (graph and kernels).
//
//===----------------------------------------------------------------------===//
#include "codegen/common/Jit.h"
#include "codegen/common/TuneDb.h"
#include "codegen/cpu/CpuTarget.h"
#include "codegen/cpu/KernelFunc.h"
#include "codegen/cpu/LowerKernels.h"
#include "codegen/cpu/CpuPlan.h"
#include "codegen/nvptx/GpuEmitter.h"
#include "codegen/nvptx/GpuObject.h"
#include "codegen/nvptx/GpuTarget.h"
#include "codegen/nvptx/LowerToPtx.h"
#include "frontend/ImportModel.h"
#include "frontend/model/Model.h"
#include "frontend/model/ModelTokenizer.h"
#include "passes/Passes.h"
#include "runtime/engine/PackWriter.h"
#include "runtime/engine/PlanContract.h"
#include "runtime/engine/TokenizerBlob.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/xxhash.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <fstream>
#include <chrono>

namespace cl = llvm::cl;
using namespace mlir;

static cl::OptionCategory category("tern-compile options");
static cl::opt<std::string> input(cl::Positional, cl::desc("MODEL"), cl::Required,
                                  cl::cat(category));
static cl::opt<std::string> output("o", cl::desc("Output file"), cl::value_desc("file"),
                                   cl::Required, cl::cat(category));
static cl::opt<std::string> targetName(
    "target",
    cl::desc("host | generic | x86-64-v3 | x86-avx512-vnni | x86-amx | aarch64-dotprod | "
             "aarch64-i8mm | sm_80 | sm_90 | sm_90a (NVIDIA GPUs, CUDA; sm_90a: "
             "exactly sm_90, with wgmma)"),
    cl::init("host"), cl::cat(category));
static cl::opt<std::string> mattr(
    "mattr",
    cl::desc("LLVM CPU features to add to a CPU target, as llc's -mattr (e.g. "
             "--target=x86-avx512-vnni --mattr=+gfni: the i2lane kernels then "
             "unpack weights with vgf2p8affineqb; host detects it)"),
    cl::init(""), cl::cat(category));
static cl::opt<std::string> emit(
    "emit",
    cl::desc("Stop after: mlir (the scheduled graph), plan (kernels, buffers, "
             "steps), kernels (kernel functions before lowering), llvm (LLVM "
             "IR), asm, obj (the object and OUT.tpack), ptx (GPU targets: the "
             "kernels' PTX), exe "
             "(default: the executable and its .tpack)"),
    cl::init("exe"), cl::cat(category));
static cl::opt<int> maxBatch("max-batch",
                             cl::desc("Tokens per kernel call (prefill chunk)"),
                             cl::init(64), cl::cat(category));
static cl::opt<std::string> scheduleFile(
    "schedule-file", cl::desc("JSON schedule records that override the defaults"),
    cl::init(""), cl::cat(category));
static cl::opt<std::string> tuneDb(
    "tune-db",
    cl::desc("Tuning database of tern-tune records (default: "
             "~/.cache/tern/tune/tune.tunedb, or $TERN_CACHE_DIR/tune/..., when "
             "it exists; none: use no records). Records of this machine and "
             "compiler apply above the target defaults and below "
             "--schedule-file; the others are skipped with a note"),
    cl::init(""), cl::cat(category));
static cl::opt<int> tuneThreads(
    "tune-threads",
    cl::desc("Apply the tuning records measured at this many threads where a kernel "
             "has them (0, the default: those of the most threads measured); "
             "tern-run passes its --threads"),
    cl::init(0), cl::cat(category));
static cl::opt<int> block("block", cl::desc("Force the weight layout's block (bytes)"),
                          cl::init(0), cl::cat(category));
static cl::opt<int> interleave(
    "interleave",
    cl::desc("Rows interleaved per group in the weight layout (1: rows one "
             "after another; R > 1: R rows' blocks side by side, which the "
             "register tiles stream as one run; 2 is the i2 default, measured "
             "1.4x faster decode than 1 on 2b4t). Given, it pins the layout; "
             "else the layout is a schedule knob (the target's default: "
             "i2lane on x86, i2x2 elsewhere) that a tuning record may set"),
    cl::init(2), cl::cat(category));
static cl::opt<std::string> layoutName(
    "layout",
    cl::desc("Ternary weight layout: i2 (2-bit codes, the default), i2lane "
             "(2-bit codes, one row per 32-bit vector lane: the prefill GEMM "
             "needs no horizontal sums), tl2 "
             "(lookup-table indices of 3 weights, 1.67 bits per weight, like "
             "bitnet.cpp's TL2) or tl1 (indices of 2 weights, 2 bits). Given, "
             "it pins the layout over tuning records (tern-tune chooses one per "
             "weight shape)"),
    cl::init("i2"), cl::cat(category));
static cl::opt<std::string> headMode(
    "head",
    cl::desc("LM head weights: stored (as in the model, f16/bf16/f32; the "
             "default) or int8 (quantized per row at compile time, the head's "
             "input per token: half an f16 head's bytes)"),
    cl::init("stored"), cl::cat(category));
static cl::opt<bool> noConcat("no-concat",
                              cl::desc("Do not merge BitLinears that share an input"),
                              cl::cat(category));
static cl::opt<bool> quiet("q", cl::desc("No progress on stderr"), cl::cat(category));

static int fail(const std::string &msg) {
  llvm::errs() << "tern-compile: error: " << msg << "\n";
  return 1;
}

static std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
static void progress(const std::string &what) {
  if (quiet)
    return;
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  llvm::errs() << llvm::format("tern-compile: [%6.2f s] ", s) << what << "\n";
}

static bool writeText(const std::string &path, llvm::function_ref<void(llvm::raw_ostream &)> fn,
                      std::string *err) {
  auto out = openOutputFile(path, err);
  if (!out)
    return false;
  fn(out->os());
  out->keep();
  return true;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAllPasses();
  mlir::tern::registerTernPasses();
  registerPassManagerCLOptions();
  registerMLIRContextCLOptions();
  cl::ParseCommandLineOptions(
      argc, argv,
      "tern-compile: a BitNet model as a standalone executable\n\n"
      "  tern-compile MODEL --target=host -o OUT   (writes OUT and OUT.tpack)\n");
  static const char *emits[] = {"mlir", "plan", "kernels", "llvm", "asm", "obj", "ptx", "exe"};
  if (std::find(std::begin(emits), std::end(emits), emit.getValue()) == std::end(emits))
    return fail("unknown --emit=" + emit + " (mlir, plan, kernels, llvm, asm, obj, ptx, exe)");
  if (maxBatch < 1 || maxBatch > 4096)
    return fail("--max-batch must be in 1..4096, got " + std::to_string(maxBatch));

  std::string err;
  // A GPU target compiles the kernels to PTX; the host (CPU) target then
  // only builds the executable's table object.
  const bool gpu = ::tern::nvptx::isGpuTargetName(targetName);
  ::tern::nvptx::GpuTarget gpuTarget;
  if (gpu && !::tern::nvptx::resolveGpuTarget(targetName, &gpuTarget, &err))
    return fail(err);
  ::tern::cpu::CpuTarget target;
  if (!::tern::cpu::resolveCpuTarget(gpu ? std::string("host") : targetName.getValue(),
                                     &target, &err))
    return fail(err + ", or a GPU: sm_80, sm_90, sm_90a");
  if (!mattr.empty() && gpu)
    return fail("--mattr is for CPU targets (a GPU target's features come from its sm_)");
  if (!mattr.empty() && !::tern::cpu::applyFeatures(mattr, &target, &err))
    return fail(err);
  if (gpu && (emit == "llvm" || emit == "asm" || emit == "obj"))
    return fail("--emit=" + emit + " is for CPU targets; a GPU target emits ptx or exe");
  if (!gpu && emit == "ptx")
    return fail("--emit=ptx needs a GPU target (--target=sm_80 or sm_90)");
  std::string hostFamily = target.name;
  if (target.name == "host")
    hostFamily = target.amx                                     ? "x86-amx"
                 : target.isa == ::tern::cpu::DotIsa::Avx512Vnni ? "x86-avx512-vnni"
                 : target.isa == ::tern::cpu::DotIsa::Avx2     ? "x86-64-v3"
                 : target.isa == ::tern::cpu::DotIsa::NeonI8mm ? "aarch64-i8mm"
                 : target.isa == ::tern::cpu::DotIsa::NeonDot  ? "aarch64-dotprod"
                                                             : "generic";

  ::tern::model::Model model;
  if (!::tern::model::loadModel(input, &model, &err))
    return fail(err);
  progress("loaded " + model.format + " model " + input);

  DialectRegistry registry;
  mlir::tern::registerJitDialects(registry);
  ::tern::nvptx::registerGpuDialects(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  OwningOpRef<ModuleOp> graph =
      ::tern::frontend::importModel(ctx, model, quiet ? "" : "tern-compile", &err);
  if (!graph)
    return fail(err);
  progress("imported the graph");

  // Graph passes: fuse, pack, schedule.
  mlir::tern::registerTernPasses();
  std::string packed =
      (output == "-" ? std::string("model") : llvm::sys::path::filename(output).str()) +
      ".tpack";
  int lut = layoutName == "tl2" ? 3 : layoutName == "tl1" ? 2 : 0;
  const bool lanes = layoutName == "i2lane";
  if (lut == 0 && layoutName != "i2" && !lanes)
    return fail("unknown --layout=" + layoutName + " (expected i2, i2lane, tl1 or tl2)");
  int rowsInterleaved = interleave;
  int vectorBytes = target.vector_bytes;
  if (gpu) {
    // 16-byte loads of 64 weights; 8 rows per warp stream by default.
    if (lut != 0 || lanes)
      return fail("--layout=" + layoutName + " is CPU-only: GPU targets read 2-bit "
                  "codes (--layout=i2)");
    vectorBytes = 16;
    if (!interleave.getNumOccurrences())
      rowsInterleaved = 8;
  }
  if (lanes && interleave.getNumOccurrences())
    return fail("--layout=i2lane cannot be combined with --interleave=" +
                std::to_string(interleave) + " (its rows per group are the vector's lanes)");
  if (lut != 0) {
    if (interleave.getNumOccurrences() && interleave != 1)
      return fail("--layout=" + layoutName + " cannot be combined with --interleave=" +
                  std::to_string(interleave) +
                  " (the lookup-table layout has its own 16-row blocks)");
    rowsInterleaved = 1;
  }
  // Tuning records for this target, as a schedule file the schedule pass
  // ranks between the defaults and --schedule-file.
  const std::string scheduleTarget =
      gpu ? std::string(gpuTarget.sm < 90                                ? "sm_80"
                        : gpuTarget.sm == 90 && gpuTarget.archSpecific ? "sm_90a"
                                                                       : "sm_90")
          : hostFamily;
  std::string tunedPath, tunedDb;
  llvm::FileRemover tunedRemover;
  {
    const std::string dbPath = tuneDb.empty() ? ::tern::tune::defaultTuneDbPath() : tuneDb.getValue();
    if (tuneDb != "none" && (!tuneDb.empty() || llvm::sys::fs::exists(dbPath))) {
      ::tern::tune::Database db;
      if (!::tern::tune::readDb(dbPath, &db, &err))
        return fail(err + (tuneDb.empty() ? " (the default tuning database: delete it, or "
                                            "give --tune-db=none)"
                                          : ""));
      std::vector<std::string> notes;
      size_t used = 0;
      const std::string json = ::tern::tune::tunedScheduleFile(
          db, scheduleTarget, ::tern::tune::hostFingerprint(), &notes, &used, tuneThreads);
      for (size_t i = 0; i < notes.size() && i < 3; ++i)
        llvm::errs() << "tern-compile: note: " << dbPath << ": " << notes[i] << "\n";
      if (notes.size() > 3)
        llvm::errs() << "tern-compile: note: " << dbPath << ": " << notes.size() - 3
                     << " more records skipped\n";
      if (used) {
        llvm::SmallString<128> path;
        if (std::error_code ec = llvm::sys::fs::createTemporaryFile("tern-tuned", "json", path))
          return fail("cannot write a temporary file: " + ec.message());
        tunedPath = path.str().str();
        tunedDb = dbPath;
        tunedRemover.setFile(tunedPath);
        std::ofstream(tunedPath) << json;
        progress("applying " + std::to_string(used) + " tuning records from " + dbPath);
      }
    }
  }
  // Schedules before packing: the CPU's schedules carry the weight layout
  // (a knob: the target's default i2x2, or a tuning record's choice),
  // which the packing pass packs in. --layout / --interleave pin it (as
  // does a GPU target, whose space has no layout knob); the packing
  // options are then the same layout.
  const bool pinLayout =
      gpu || layoutName.getNumOccurrences() || interleave.getNumOccurrences();
  const std::string pinned =
      lut == 2 ? "tl1" : lut == 3 ? "tl2" : lanes ? "i2lane" : "i2x" + std::to_string(rowsInterleaved);
  std::string pipeline =
      "tern-fuse-norm-quantize,tern-fuse-bitlinear{concat=" +
      std::string(noConcat ? "false" : "true") +
      "},tern-fuse-residual,canonicalize,"
      "tern-attach-schedule{target=" + scheduleTarget +
      (scheduleFile.empty() ? std::string() : " schedule-file=" + scheduleFile) +
      (tunedPath.empty() ? std::string() : " tuned-file=" + tunedPath + " tuned-name=" + tunedDb) +
      (emit == "plan" ? " record-source=true" : "") +
      (pinLayout ? " layout=" + pinned : "") +
      (headMode == "int8" ? " int8-head=true" : "") + "},"
      "tern-pack-weights{vector-bytes=" + std::to_string(vectorBytes) +
      " block=" + std::to_string(block) + " interleave=" + std::to_string(rowsInterleaved) +
      " lut=" + std::to_string(lut) +
      " packed-file=" + packed + "}";
  {
    PassManager pm(&ctx);
    if (failed(applyPassManagerCLOptions(pm)))
      return fail("bad pass manager options");
    if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
      return fail("cannot build the graph pipeline: " + pipeline);
    if (failed(pm.run(*graph)))
      return fail(input + ": the graph passes failed");
  }
  progress("fused, packed and scheduled the graph (" + pipeline + ")");
  if (emit == "mlir")
    return writeText(output, [&](llvm::raw_ostream &os) { graph->print(os); }, &err)
               ? 0 : fail(err);

  // Kernels and the host plan.
  OpBuilder b(&ctx);
  OwningOpRef<ModuleOp> kernels = ModuleOp::create(b.getUnknownLoc());
  ::tern::codegen::CompiledPlan plan;
  ::tern::codegen::PlanOptions popts;
  popts.max_batch = maxBatch;
  popts.progress = !quiet;
  if (headMode != "stored" && headMode != "int8")
    return fail("unknown --head=" + headMode + " (expected stored or int8)");
  popts.int8_head = headMode == "int8";
  std::unique_ptr<::tern::nvptx::GpuEmitter> gpuEmitter;
  if (gpu) {
    gpuEmitter = std::make_unique<::tern::nvptx::GpuEmitter>(b, *kernels, gpuTarget);
    popts.emitter = gpuEmitter.get();
  }
  if (!::tern::cpu::buildCpuPlan(*graph, model, target, popts, *kernels, &plan, &err))
    return fail(input + ": " + err);
  if (gpuEmitter && !gpuEmitter->error().empty())
    return fail(input + ": " + gpuEmitter->error());
  progress("generated " + std::to_string(plan.kernels.size()) + " kernels, " +
           std::to_string(plan.steps.size()) + " steps, " +
           std::to_string(plan.buffers.size()) + " buffers");
  if (emit == "plan")
    return writeText(output, [&](llvm::raw_ostream &os) { os << ::tern::codegen::describePlan(plan); },
                     &err) ? 0 : fail(err);
  if (emit == "kernels")
    return writeText(output, [&](llvm::raw_ostream &os) { kernels->print(os); }, &err)
               ? 0 : fail(err);

  // The .tpack's contents, and from them the plan contract the executable
  // carries (what its kernels index: runtime/engine/PlanContract.h).
  ::tern::rt::PackContents pack;
  pack.info.target = gpu ? gpuTarget.name : hostFamily;
  const ::tern::ref::ModelConfig &c = model.config;
  pack.info.vocab = c.vocab;
  pack.info.hidden = c.hidden;
  pack.info.layers = c.layers;
  pack.info.heads = c.heads;
  pack.info.kv_heads = c.kv_heads;
  pack.info.head_dim = c.head_dim;
  pack.info.ffn = c.ffn;
  pack.info.max_context = c.max_context;
  pack.info.max_batch = maxBatch;
  for (const ::tern::codegen::PlanBuffer &pb : plan.buffers) {
    tern_buffer tb{};
    tb.kind = pb.kind;
    tb.bytes = pb.bytes;
    pack.buffers.push_back(tb);
    if (pb.kind == TERN_BUF_WEIGHT) {
      ::tern::rt::PackWeight w;
      w.data = plan.blobs[pb.blob].data();
      pack.weights.push_back(w);
    }
  }
  for (const ::tern::codegen::PlanStep &ps : plan.steps) {
    tern_step ts{};
    ts.kernel = ps.kernel;
    ts.range_kind = ps.range_kind;
    ts.range = ps.range;
    ts.grain = ps.grain;
    ts.flags = ps.flags;
    ts.nargs = ps.args.size();
    for (size_t i = 0; i < ps.args.size(); ++i)
      ts.args[i] = ps.args[i];
    pack.steps.push_back(ts);
  }
  std::vector<uint8_t> contract;
  {
    tern_pack_header header;
    std::vector<tern_buffer> laidOut;
    if (!::tern::rt::layoutPack(pack, output + ".tpack", &header, &laidOut, &err) ||
        !::tern::rt::deriveContract(header, laidOut.data(), pack.steps.data(),
                                    uint32_t(plan.kernels.size()), &contract, &err))
      return fail(input + ": " + err);
  }

  std::string kernelText;
  {
    llvm::raw_string_ostream os(kernelText);
    kernels->print(os);
  }
  char fp[64];
  snprintf(fp, sizeof fp, "%016llx-%s",
           (unsigned long long)llvm::xxh3_64bits(kernelText + target.name + target.features),
           gpu ? gpuTarget.name.c_str() : hostFamily.c_str());
  std::string fingerprint(fp);
  pack.info.fingerprint = fingerprint;
  std::string obj = output + ".o";
  llvm::LLVMContext llctx;
  bool crossAArch64 = false;

  // GPU: PTX, and the host object holding it with the launch table.
  auto gpuObject = [&]() -> int {
    PassManager pm(&ctx);
    if (failed(applyPassManagerCLOptions(pm)))
      return fail("bad pass manager options");
    std::string ptx;
    if (!::tern::nvptx::lowerToPtx(*kernels, pm, &ptx, &err))
      return fail(err);
    progress("lowered the kernels to PTX for " + gpuTarget.name + " (" +
             std::to_string(ptx.size()) + " bytes)");
    if (emit == "ptx")
      return writeText(output, [&](llvm::raw_ostream &os) { os << ptx; }, &err) ? 0
                                                                                : fail(err);
    std::unique_ptr<llvm::TargetMachine> tm = ::tern::cpu::createTargetMachine(target, &err);
    if (!tm)
      return fail(err);
    std::unique_ptr<llvm::Module> table = ::tern::nvptx::buildGpuTableModule(
        llctx, target.triple, ptx, gpuEmitter->launches(plan.kernels), fingerprint,
        contract);
    table->setDataLayout(tm->createDataLayout());
    if (!::tern::cpu::emitMachineCode(*table, *tm, false, obj, &err))
      return fail(err);
    return -1;
  };

  // CPU: the kernels lowered to LLVM IR and machine code, with the entries.
  auto cpuObject = [&]() -> int {
  {
    PassManager pm(&ctx);
    if (failed(applyPassManagerCLOptions(pm)))
      return fail("bad pass manager options");
    if (failed(::tern::cpu::buildKernelLoweringPipeline(pm, &err)))
      return fail(err);
    if (failed(pm.run(*kernels)))
      return fail("lowering the generated kernels to LLVM failed");
  }
  if (failed(::tern::cpu::addKernelEntries(*kernels, plan.kernels, fingerprint, contract)))
    return fail("adding kernel entry points failed");
  std::unique_ptr<llvm::TargetMachine> tm = ::tern::cpu::createTargetMachine(target, &err);
  if (!tm)
    return fail(err);
  std::unique_ptr<llvm::Module> llmod =
      ::tern::cpu::translateAndOptimize(*kernels, llctx, *tm, &err);
  if (!llmod)
    return fail(err);
  progress("lowered and optimized the kernels for " + target.triple + " (" +
           target.cpu + ")");
  if (emit == "llvm")
    return writeText(output, [&](llvm::raw_ostream &os) { llmod->print(os, nullptr); }, &err)
               ? 0 : fail(err);
  if (emit == "asm")
    return ::tern::cpu::emitMachineCode(*llmod, *tm, true, output, &err) ? 0 : fail(err);
  // obj: the object and its .tpack (OUT.tpack), to link with a runtime of
  // one's own (tern_runtime.h: the object defines the kernel table).
  if (emit == "obj")
    return ::tern::cpu::emitMachineCode(*llmod, *tm, false, output, &err) ? -2 : fail(err);

  // exe: object + packed model + link. An AArch64 target on another host
  // links with the cross-compiled runtime (no tokenizer: --tokens only) when
  // this build has one.
  const bool hostAArch64 = llvm::Triple(llvm::sys::getProcessTriple()).isAArch64();
#if defined(TERN_AARCH64_CXX) && defined(TERN_AARCH64_RUNTIME_LIB)
  crossAArch64 = target.isAArch64() && !hostAArch64;
#endif
  if (target.isAArch64() != hostAArch64 && !crossAArch64)
    return fail("--emit=exe links with this machine's runtime, which cannot run " +
                target.name + " code; use --emit=obj and link with a runtime built "
                "for that target");
  if (!::tern::cpu::emitMachineCode(*llmod, *tm, false, obj, &err))
    return fail(err);
  return -1;
  };
  const int objectRc = gpu ? gpuObject() : cpuObject();
  if (objectRc >= 0)
    return objectRc;

  // The tokenizer (only the .tpack needs it; the contract does not depend on
  // it), loaded once the object is built.
  ::tern::tok::Tokenizer tok;
  std::string tokErr;
  if (::tern::model::loadTokenizer(model, &tok, &tokErr)) {
    if (!::tern::rt::serializeTokenizer(tok.data(), &pack.tokenizer, &err))
      return fail(err);
    pack.info.bos = tok.bos();
    pack.info.eos = tok.eos();
    pack.info.eot = tok.eot();
  } else if (!quiet) {
    llvm::errs() << "tern-compile: no tokenizer (" << tokErr
                 << "): the executable takes --tokens only\n";
  }
  std::string packPath = output + ".tpack";
  if (!::tern::rt::writePackFile(packPath, pack, &err))
    return fail(err);
  progress("wrote " + packPath);
  if (objectRc == -2)
    return 0; // --emit=obj

  // Link: the generated object, main(), the runtime, the tokenizer.
  std::string linkerName = TERN_LINKER;
  std::vector<std::string> cmd = {TERN_LINKER, "-o", output, obj,
                                  gpu ? TERN_RUNTIME_MAIN_GPU_LIB : TERN_RUNTIME_MAIN_LIB,
                                  TERN_RUNTIME_LIB,
                                  TERN_TOKENIZER_CORE_LIB, TERN_PCRE2_LIB,
                                  TERN_UTF8PROC_LIB,
                                  "-lpthread", "-lm", "-ldl"};
#if defined(TERN_AARCH64_CXX) && defined(TERN_AARCH64_RUNTIME_LIB)
  // Cross: a static executable (runs under qemu-aarch64 without -L); the
  // archive holds main() and the runtime, without the tokenizer (the blob
  // written above is ignored).
  if (crossAArch64) {
    linkerName = TERN_AARCH64_CXX;
    cmd = {TERN_AARCH64_CXX, "-static", "-o", output, obj,
           TERN_AARCH64_RUNTIME_LIB, "-lpthread", "-lm"};
  }
#endif
  auto linker = llvm::sys::findProgramByName(linkerName);
  if (!linker)
    return fail("cannot find the linker driver " + linkerName);
  std::vector<llvm::StringRef> argvRef(cmd.begin(), cmd.end());
  std::string linkErr;
  int rc = llvm::sys::ExecuteAndWait(*linker, argvRef, std::nullopt, {}, 0, 0, &linkErr);
  llvm::sys::fs::remove(obj);
  if (rc != 0)
    return fail("linking " + output + " failed (" + std::to_string(rc) + "): " + linkErr);
  if (crossAArch64)
    progress("linked " + output + " for AArch64, without a tokenizer (run it "
             "with --tokens 1,2,3 --logits-out FILE, e.g. under qemu-aarch64)");
  else
    progress("linked " + output + " (run it with --prompt TEXT -n N, or --tokens "
             "1,2,3 --logits-out FILE)");
  return 0;
}
