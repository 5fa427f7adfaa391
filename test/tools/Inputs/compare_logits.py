# compare_logits.py A B REL: two float32 logits files agree within REL times
# the largest |logit| of B (float reassociation noise), same size.
import array, sys
a, b = array.array('f'), array.array('f')
a.frombytes(open(sys.argv[1], 'rb').read())
b.frombytes(open(sys.argv[2], 'rb').read())
if len(a) != len(b) or not a:
    sys.exit(f"sizes differ: {len(a)} vs {len(b)}")
scale = max(abs(x) for x in b)
diff = max(abs(x - y) for x, y in zip(a, b))
print(f"max |diff| {diff:.3g}, max |logit| {scale:.3g}")
if not diff <= float(sys.argv[3]) * scale:
    sys.exit(f"logits differ by {diff} > {sys.argv[3]} * {scale}")
