# compare_logits.py A B REL: two float32 logits files (raw little-endian,
# [T, vocab]) agree: the same size, every value of both finite, and
# max |A - B| <= REL * max |B| (float reassociation noise, relative to the
# largest reference logit). A NaN or Inf anywhere in either file fails,
# naming the file and the index.
import array, math, sys

def load(path):
    a = array.array('f')
    a.frombytes(open(path, 'rb').read())
    if sys.byteorder != 'little':
        a.byteswap()
    return a

if len(sys.argv) != 4:
    sys.exit("usage: compare_logits.py A B REL")
a, b = load(sys.argv[1]), load(sys.argv[2])
rel = float(sys.argv[3])
if len(a) != len(b) or not a:
    sys.exit(f"sizes differ: {len(a)} vs {len(b)}")
for path, values in ((sys.argv[1], a), (sys.argv[2], b)):
    for i, x in enumerate(values):
        if not math.isfinite(x):
            sys.exit(f"{path}: value {i} is {x} (not finite)")
scale = max(abs(x) for x in b)
diff = max(abs(x - y) for x, y in zip(a, b))
print(f"max |diff| {diff:.3g}, max |logit| {scale:.3g}")
if not diff <= rel * scale:
    sys.exit(f"logits differ by {diff} > {rel} * {scale}")
