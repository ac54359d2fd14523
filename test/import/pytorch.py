# RUN: %python %s | FileCheck %s
# RUN: dnnf-import --torch %s:factory --elide-weights | FileCheck %s --check-prefix=CLI
"""PyTorch importer: aten ops become the same dnnf ops (and attribute conventions) as ONNX."""

import torch
from torch import nn


class Tiny(nn.Module):
    """conv (symmetric padding) -> batch norm -> relu -> pool -> linear -> gelu(tanh)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, 6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.bn(self.conv(x)))
        y = nn.functional.adaptive_avg_pool2d(y, 1).flatten(1)
        return nn.functional.gelu(self.fc(y), approximate="tanh").unsqueeze(-1)


def factory() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return Tiny(), (torch.randn(1, 3, 8, 8),)


if __name__ == "__main__":
    from dnnfusion_mlir.importer.torch_importer import import_torch

    print(import_torch(*factory()).module)

# Torch's symmetric padding [1, 1] becomes ONNX-style pads [begins..., ends...].
# CHECK-LABEL: func.func @main(%arg0: tensor<1x3x8x8xf32>) -> tensor<1x6x1xf32>
# CHECK-DAG: %[[W:.*]] = "dnnf.constant"() {value = dense_resource<conv_weight> : tensor<4x3x3x3xf32>}
# CHECK-DAG: %[[FC:.*]] = "dnnf.constant"() {value = dense_resource<fc_weight> : tensor<6x4xf32>}
# CHECK: %[[C:.*]] = "dnnf.conv"(%arg0, %[[W]], %{{.*}}) {dilations = array<i64: 1, 1>, group = 1 : i64, mapping = "many_to_many", operandSegmentSizes = array<i32: 1, 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
# CHECK-SAME: -> tensor<1x4x4x4xf32>
# Inference batch norm stays one op (five operands), not torch's decomposition.
# CHECK: %[[BN:.*]] = "dnnf.batch_norm"(%[[C]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) {epsilon = 9.99999974E-6 : f32, mapping = "one_to_one"}
# CHECK: %[[R:.*]] = "dnnf.relu"(%[[BN]])
# CHECK: %[[P:.*]] = "dnnf.global_average_pool"(%[[R]]) {mapping = "many_to_many"} : (tensor<1x4x4x4xf32>) -> tensor<1x4x1x1xf32>
# CHECK: %[[F:.*]] = "dnnf.reshape"(%[[P]]) {mapping = "reorganize"} : (tensor<1x4x1x1xf32>) -> tensor<1x4xf32>
# A 2-D linear is a Gemm with transposed B, as torch.onnx exports it.
# CHECK: %[[G:.*]] = "dnnf.gemm"(%[[F]], %[[FC]], %{{.*}}) {{{.*}}trans_a = 0 : i64, trans_b = 1 : i64}
# tanh-GELU spelled with dnnf ops: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
# CHECK: "dnnf.tanh"
# CHECK: %[[OUT:.*]] = "dnnf.unsqueeze"(%{{.*}}) {axes = array<i64: 2>, mapping = "reorganize"} : (tensor<1x6xf32>) -> tensor<1x6x1xf32>
# CHECK: return %[[OUT]]

# The console script imports the same model from `file.py:factory`; weights keep their
# state-dict names.
# CLI-LABEL: func.func @main
# CLI-DAG: dense_resource<conv_weight>
# CLI-DAG: dense_resource<fc_weight>
# CLI: "dnnf.conv"
# CLI: "dnnf.gemm"
