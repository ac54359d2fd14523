# RUN: %python %s %t.onnx
# RUN: dnnf-report %t.onnx -o %t.html | FileCheck %s
# RUN: FileCheck %s --check-prefix=HTML < %t.html
# RUN: dnnf-report %t.onnx --no-fuse --input-shape x=1,4,8,8 -o - | FileCheck %s --check-prefix=UNFUSED
# RUN: %python -c "import subprocess, sys; r = subprocess.run(['dnnf-report', sys.argv[1]], capture_output=True, text=True); print('exit', r.returncode, 'lines', len(r.stderr.splitlines()), r.stderr)" %t.missing.onnx | FileCheck %s --check-prefix=ERR
# RUN: not dnnf-report %t.onnx --input-shape x 2>&1 | FileCheck %s --check-prefix=SHAPE

# The fused compile: conv+relu+add in block 0, matmul alone in block 1.
# CHECK: dnnf-report: wrote {{.*}}.html: 4 ops, 2 blocks, 2 kernels

# HTML: <title>dnnf-report: {{.*}}.onnx</title>
# HTML: <b>4</b><span>ONNX nodes</span>
# HTML: <b>4</b><span>ops after rewrite</span>
# HTML: <b>2</b><span>kernels (fused)</span>
# HTML: <b>2</b><span>fusion blocks</span>
# HTML: <b>3.0 KiB</b><span>intermediate bytes before fusion</span><small>3072 B</small>
# HTML: <b>1.0 KiB</b><span>intermediate bytes after fusion</span><small>1024 B, 67% less</small>
# HTML: <svg xmlns="http://www.w3.org/2000/svg" class="ecg"
# HTML: <rect class="block" data-block="0"
# HTML: <g class="io input"><title>graph input x: 1x4x8x8 float32</title>
# HTML: <g class="op" data-index="0" data-block="0"><title>#0 dnnf.conv  (ONNX node conv)
# HTML: >conv · M:M</text>
# HTML: >1x4x8x8xf32{{ +}}B0</text>
# HTML: <g class="op" data-index="1" data-block="0"><title>#1 dnnf.relu  (ONNX node relu)
# HTML: <g class="op" data-index="2" data-block="0"><title>#2 dnnf.add  (ONNX node residual)
# HTML: >add · 1:1</text>
# HTML: <g class="op" data-index="3" data-block="1"><title>#3 dnnf.matmul  (ONNX node matmul)
# HTML: <g class="io output"><title>graph output y</title>
# HTML: </svg>
# HTML: <tr id="block-0">{{.*}}B0</td><td>M:M {{.*}}<code>conv</code> <span class="node">conv</span>, <code>relu</code> {{.*}}<code>add</code> <span class="node">residual</span></td><td>1</td>
# HTML: <tr id="block-1">{{.*}}<code>matmul</code> <span class="node">matmul</span></td><td>1</td><td title="1024 B">1.0 KiB</td></tr>
# HTML: <th>producer \ consumer</th><th>1:1</th><th>1:M</th><th>M:M</th><th>Reorg</th><th>Shuffle</th>
# HTML: <tr><th>M:M</th><td class="G">M:M · G</td><td class="Y">M:M · Y</td><td class="X">X</td>
# HTML: </html>

# Unfused: input transpose, pad, conv, output transpose (NHWC conv), relu, add, matmul.
# UNFUSED: <b>7</b><span>kernels (unfused)</span>
# UNFUSED: <g class="op" data-index="0" data-block=""><title>#0 dnnf.conv  (ONNX node conv)
# UNFUSED: <g class="op" data-index="3" data-block=""><title>#3 dnnf.matmul  (ONNX node matmul)
# UNFUSED: No fusion blocks
# UNFUSED-NOT: <tr id="block-

# ERR: exit 1 lines 1 dnnf-report: error: malformed model: cannot read '{{.*}}.missing.onnx': no such file

# SHAPE: dnnf-report: error: bad --input-shape 'x'

"""Write conv -> relu -> add (residual from the input) -> matmul to argv[1] for dnnf-report."""

import sys

import numpy as np
import onnx
from onnx import helper

from dnnfusion_mlir.testing import make_model

rng = np.random.default_rng(0)
model = make_model(
    [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1], name="conv"),
     helper.make_node("Relu", ["c"], ["r"], name="relu"),
     helper.make_node("Add", ["r", "x"], ["a"], name="residual"),
     helper.make_node("MatMul", ["a", "mm"], ["y"], name="matmul")],
    {"x": ((1, 4, 8, 8), np.float32)}, ["y"],
    initializers={"w": rng.standard_normal((4, 4, 3, 3)).astype(np.float32),
                  "mm": rng.standard_normal((8, 8)).astype(np.float32)})
onnx.save(model, sys.argv[1])
