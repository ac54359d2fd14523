/* Sample use of the dnnfusion-mlir C API (see README "C API and AArch64").
 *
 * Build the model artefacts first, e.g.
 *   dnnf-compile examples/tiny_resnet.onnx --target aarch64 --emit dir -o build/model
 * then compile and link (model.o embeds the kernels, the wrapper and the weights):
 *   aarch64-linux-gnu-gcc -O2 -Ibuild/model examples/c_api/main.c build/model/model.o -lm -o demo
 *   qemu-aarch64 -L /usr/aarch64-linux-gnu ./demo
 * CMake does the same: see CMakeLists.txt (target dnnf_c_api_demo).
 *
 * The program fills each input with a fixed pattern, runs the model REPEAT times
 * (argv[1], default 1) and prints each output's shape and first values.
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"

static void fill(void *data, const dnnf_tensor_info *info) {
  for (size_t k = 0; k < info->numel; ++k) {
    switch (info->dtype) {
    case DNNF_FLOAT32: ((float *)data)[k] = (float)((k % 17) - 8) / 8.0f; break;
    case DNNF_FLOAT64: ((double *)data)[k] = (double)((k % 17) - 8) / 8.0; break;
    case DNNF_INT64: ((int64_t *)data)[k] = (int64_t)(k % 7); break;
    case DNNF_INT32: ((int32_t *)data)[k] = (int32_t)(k % 7); break;
    default: ((uint8_t *)data)[k] = (uint8_t)(k % 2); break;
    }
  }
}

static void print_output(int i, const void *data, const dnnf_tensor_info *info) {
  printf("output %d '%s': shape [", i, info->name);
  for (int d = 0; d < info->rank; ++d) printf(d ? ", %lld" : "%lld", (long long)info->shape[d]);
  printf("]");
  for (size_t k = 0; k < info->numel && k < 4; ++k) {
    if (info->dtype == DNNF_FLOAT32) printf(" %.6f", ((const float *)data)[k]);
    else if (info->dtype == DNNF_INT64) printf(" %lld", (long long)((const int64_t *)data)[k]);
  }
  printf("%s\n", info->numel > 4 ? " ..." : "");
}

int main(int argc, char **argv) {
  int repeat = argc > 1 ? atoi(argv[1]) : 1;
  void *inputs[DNNF_NUM_INPUTS + 1], *outputs[DNNF_NUM_OUTPUTS + 1];
  struct timespec t0, t1;
  dnnf_model *model = dnnf_init();
  if (!model) { fprintf(stderr, "dnnf_init failed\n"); return 1; }
  for (int i = 0; i < dnnf_num_inputs(); ++i) {
    inputs[i] = malloc(dnnf_input_info(i)->nbytes + 1);
    fill(inputs[i], dnnf_input_info(i));
  }
  for (int i = 0; i < dnnf_num_outputs(); ++i) outputs[i] = malloc(dnnf_output_info(i)->nbytes + 1);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int r = 0; r < repeat; ++r) {
    if (dnnf_run(model, (const void *const *)inputs, outputs) != 0) {
      fprintf(stderr, "dnnf_run failed\n");
      return 1;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  for (int i = 0; i < dnnf_num_outputs(); ++i) print_output(i, outputs[i], dnnf_output_info(i));
  printf("workspace: %zu bytes\n", dnnf_workspace_bytes());
  printf("%d run(s), %.3f ms per run\n", repeat,
         ((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6) / (repeat > 0 ? repeat : 1));
  for (int i = 0; i < dnnf_num_inputs(); ++i) free(inputs[i]);
  for (int i = 0; i < dnnf_num_outputs(); ++i) free(outputs[i]);
  dnnf_free(model);
  return 0;
}
