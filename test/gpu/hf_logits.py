# hf_logits.py HF_DIR IDS OUT.f32: the logits of transformers' own model for
# the checkpoint in HF_DIR (tern-make-model's tiny, written like BitNet
# b1.58 2B4T's files) on the comma-separated token ids, as raw little-endian
# float32 [T, vocab]: an independent check of tern's reference, run where
# torch and transformers are installed (the GPU machines). float32
# activations on the GPU when there is one, else on the CPU.
import sys

import numpy as np
import torch
import transformers
from transformers import AutoModelForCausalLM

if len(sys.argv) != 4:
    sys.exit("usage: hf_logits.py HF_DIR IDS OUT.f32")
path, ids, out = sys.argv[1], [int(t) for t in sys.argv[2].split(",")], sys.argv[3]
device = "cuda" if torch.cuda.is_available() else "cpu"
print(f"torch {torch.__version__}, transformers {transformers.__version__}, {device}")
model = AutoModelForCausalLM.from_pretrained(path, torch_dtype=torch.float32).to(device).eval()
print(f"model: {type(model).__name__}")
with torch.no_grad():
    logits = model(torch.tensor([ids], device=device)).logits[0].float().cpu().numpy()
np.ascontiguousarray(logits, dtype="<f4").tofile(out)
print(f"wrote {out}: {logits.shape[0]} x {logits.shape[1]}")
