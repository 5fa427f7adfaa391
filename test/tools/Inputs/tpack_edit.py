# tpack_edit.py IN OUT EDIT...: a copy of a .tpack with fields changed, to
# craft files that pass the file's own checks but not the executable's
# plan contract (runtime/include/tern_plan.h gives the layout).
#   header FIELD VALUE       an int32 config field (vocab ... max_batch)
#   buffer-bytes KIND:K FACTOR  the K-th buffer of KIND (weight, activation,
#                            state, tokens, logits): bytes times FACTOR
#   fixed-range K FACTOR     the K-th step over a fixed range: range times FACTOR
import struct, sys

HEADER_FIELDS = ["vocab", "hidden", "layers", "heads", "kv_heads", "head_dim",
                 "ffn", "max_context", "max_batch", "bos", "eos", "eot"]
CONFIG_AT = 8 + 4 + 4 + 64 + 32          # magic, version, header_bytes, fingerprint, target
TABLES_AT = CONFIG_AT + 4 * len(HEADER_FIELDS)  # n_buffers, n_steps, buffers_offset, steps_offset
BUFFER_BYTES, STEP_BYTES = 24, 80

src, dst, edit = sys.argv[1], sys.argv[2], sys.argv[3:]
b = bytearray(open(src, "rb").read())
n_buffers, n_steps, buffers_at, steps_at = struct.unpack_from("<IIQQ", b, TABLES_AT)
what = edit[0]
if what == "header":
    struct.pack_into("<i", b, CONFIG_AT + 4 * HEADER_FIELDS.index(edit[1]), int(edit[2]))
elif what == "buffer-bytes":
    kinds = ["weight", "activation", "state", "tokens", "logits"]
    kind, k = edit[1].split(":")
    of_kind = [i for i in range(n_buffers)
               if struct.unpack_from("<I", b, buffers_at + i * BUFFER_BYTES)[0] ==
               kinds.index(kind)]
    i = of_kind[int(k)]
    print(f"buffer {i}")
    at = buffers_at + i * BUFFER_BYTES + 16
    (n,) = struct.unpack_from("<Q", b, at)
    struct.pack_into("<Q", b, at, int(n * float(edit[2])))
elif what == "fixed-range":
    k = int(edit[1])
    fixed = [s for s in range(n_steps)
             if struct.unpack_from("<I", b, steps_at + s * STEP_BYTES + 4)[0] == 1]
    at = steps_at + fixed[k] * STEP_BYTES + 8
    (n,) = struct.unpack_from("<q", b, at)
    struct.pack_into("<q", b, at, int(n * float(edit[2])))
else:
    sys.exit(f"unknown edit {what}")
open(dst, "wb").write(b)
