// RUN: %python %S/Inputs/make_model.py %t.onnx
// RUN: dnnf-bench %t.onnx --repeat 2 --warmup 1 --threads 2 --json %t.json | FileCheck %s
// RUN: %python -c "import json, sys; d = json.load(open(sys.argv[1])); print('json', sorted(d['variants']), d['repeat'], len(d['variants']['onnxruntime']['times_ms']))" %t.json | FileCheck %s --check-prefix=JSON
// RUN: %python -c "import subprocess, sys; r = subprocess.run(['dnnf-bench', sys.argv[1]], capture_output=True, text=True); print('exit', r.returncode, 'lines', len(r.stderr.splitlines()), r.stderr)" %t.missing.onnx | FileCheck %s --check-prefix=ERR
// RUN: not dnnf-bench --family nope 2>&1 | FileCheck %s --check-prefix=FAMILY

// The Add -> Relu -> Tanh model: three kernels unfused, at most three fused; onnxruntime's
// optimised graph has no Constant nodes.
// CHECK: model: {{.*}}.onnx  threads: 2  warmup: 1  repeat: 2
// CHECK-NEXT: note: onnxruntime runs with 2 intra-op threads; dnnf's JIT code is single-threaded
// CHECK-NEXT: variant kernels median ms min ms time / onnxruntime compile s
// CHECK-NEXT: dnnf fused {{[1-3]}} {{[0-9.]+}} {{[0-9.]+}} {{[0-9.]+}}x {{[0-9.]+$}}
// CHECK-NEXT: dnnf unfused 3 {{[0-9.]+}} {{[0-9.]+}} {{[0-9.]+}}x {{[0-9.]+$}}
// CHECK-NEXT: onnxruntime [[ORT:[0-9]+]] {{[0-9.]+}} {{[0-9.]+}} 1.00x {{[0-9.]+$}}
// CHECK-NEXT: onnxruntime optimised graph: [[ORT]] nodes, [[ORT]] without Constant
// CHECK-NEXT: fused / unfused time: {{[0-9.]+}}x
// CHECK-NEXT: kernels fused / onnxruntime: {{[0-9.]+$}}
// CHECK-NEXT: max relative error vs onnxruntime: fused {{.*}}, unfused {{.*}}

// JSON: json ['dnnf fused', 'dnnf unfused', 'onnxruntime'] 2 2

// ERR: exit 1 lines 1 dnnf-bench: error: malformed model: cannot read '{{.*}}.missing.onnx': no such file

// FAMILY: dnnf-bench: error: unknown model family 'nope'; one of: mobilenet_v2, resnet50,
