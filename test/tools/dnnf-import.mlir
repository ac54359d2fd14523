// RUN: %python %S/Inputs/make_model.py %t.onnx
// RUN: dnnf-import %t.onnx --debug-info | FileCheck %s
// RUN: dnnf-import %t.onnx -o %t.mlir && dnnf-opt %t.mlir | FileCheck %s --check-prefix=REPARSE
// RUN: not dnnf-import %t.missing.onnx 2>&1 | FileCheck %s --check-prefix=ERR

// CHECK-LABEL: func.func @main(%arg0: tensor<2x32xf32>{{.*}}) -> tensor<2x32xf32>
// CHECK: "dnnf.constant"() {value = dense_resource<b> : tensor<1x32xf32>}
// CHECK: "dnnf.add"({{.*}}) {mapping = "one_to_one"}{{.*}}loc(#[[ADD:loc[0-9]*]])
// CHECK: "dnnf.relu"
// CHECK: "dnnf.tanh"
// CHECK: #[[ADD]] = loc("add_bias")
// CHECK: dialect_resources

// REPARSE: "dnnf.tanh"

// ERR: dnnf-import: error: malformed model: {{.*}}no such file
