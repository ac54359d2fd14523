// RUN: dnnf-opt %s --dnnf-plan-buffers --split-input-file | FileCheck %s

// A chain a -> b -> c: a and b are live together, b and c too, a and c never. One arena
// of two 64-byte slots; c reuses a's slot. The module records the arena bytes and the
// bytes of the buffers placed in it.
// CHECK: module attributes {dnnf.arena_bytes = 128 : i64, dnnf.buffer_bytes = 192 : i64, dnnf.workspace_bytes = 0 : i64}
// CHECK-LABEL: func.func @chain
// CHECK-NEXT: %[[ARENA:.*]] = memref.alloc() {alignment = 64 : i64} : memref<128xi8>
// CHECK-NOT: memref.alloc
// CHECK: %[[O0:.*]] = arith.constant 0 : index
// CHECK: %[[A:.*]] = memref.view %[[ARENA]][%[[O0]]][] : memref<128xi8> to memref<16xf32>
// CHECK: linalg.copy ins(%{{.*}} : memref<16xf32>) outs(%[[A]] : memref<16xf32>)
// CHECK: %[[O64:.*]] = arith.constant 64 : index
// CHECK: %[[B:.*]] = memref.view %[[ARENA]][%[[O64]]][] : memref<128xi8> to memref<16xf32>
// CHECK: linalg.copy ins(%[[A]] : memref<16xf32>) outs(%[[B]] : memref<16xf32>)
// CHECK: %[[O0B:.*]] = arith.constant 0 : index
// CHECK: %[[C:.*]] = memref.view %[[ARENA]][%[[O0B]]][] : memref<128xi8> to memref<16xf32>
// CHECK: linalg.copy ins(%[[B]] : memref<16xf32>) outs(%[[C]] : memref<16xf32>)
func.func @chain(%x: memref<16xf32>, %out: memref<16xf32>) {
  %a = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
  linalg.copy ins(%x : memref<16xf32>) outs(%a : memref<16xf32>)
  %b = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
  linalg.copy ins(%a : memref<16xf32>) outs(%b : memref<16xf32>)
  %c = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
  linalg.copy ins(%b : memref<16xf32>) outs(%c : memref<16xf32>)
  linalg.copy ins(%c : memref<16xf32>) outs(%out : memref<16xf32>)
  return
}

// -----

// Largest first: the 4 KiB buffer takes offset 0; the two small ones, live at the same
// time as it (its last use is the loop that reads all three), go above it. A use inside a
// loop keeps the buffer live for the whole loop. Sizes round up to 64 bytes.
// CHECK: module attributes {dnnf.arena_bytes = 4224 : i64, dnnf.buffer_bytes = 4224 : i64, dnnf.workspace_bytes = 0 : i64}
// CHECK-LABEL: func.func @sizes_and_loops
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<4224xi8>
// CHECK: arith.constant 4096 : index
// CHECK: memref.view {{.*}} to memref<3xf32>
// CHECK: arith.constant 0 : index
// CHECK: memref.view {{.*}} to memref<1024xf32>
// CHECK: arith.constant 4160 : index
// CHECK: memref.view {{.*}} to memref<2x2xi64>
// CHECK: scf.for
func.func @sizes_and_loops(%x: memref<1024xf32>, %out: memref<3xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %s = memref.alloc() : memref<3xf32>
  %big = memref.alloc() : memref<1024xf32>
  linalg.copy ins(%x : memref<1024xf32>) outs(%big : memref<1024xf32>)
  %i = memref.alloc() : memref<2x2xi64>
  scf.for %k = %c0 to %c3 step %c1 {
    %v = memref.load %big[%k] : memref<1024xf32>
    memref.store %v, %s[%k] : memref<3xf32>
    %n = memref.load %i[%c0, %c0] : memref<2x2xi64>
  }
  linalg.copy ins(%s : memref<3xf32>) outs(%out : memref<3xf32>)
  return
}

// -----

// Left alone: a returned buffer (escapes), one carried by a loop (its iteration value
// aliases it), a dynamic one, an i1 one (not byte-sized) and one asking for more than the
// arena's 64-byte alignment. Nothing planned: no arena.
// CHECK: module attributes {dnnf.arena_bytes = 0 : i64, dnnf.buffer_bytes = 0 : i64, dnnf.workspace_bytes = 0 : i64}
// CHECK-LABEL: func.func @escapes
// CHECK: memref.alloc() : memref<4xf32>
// CHECK: memref.alloc() : memref<4xf32>
// CHECK: memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK: memref.alloc() : memref<8xi1>
// CHECK: memref.alloc() {alignment = 128 : i64} : memref<8xf32>
// CHECK-NOT: memref.view
func.func @escapes(%x: memref<4xf32>, %n: index) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = memref.alloc() : memref<4xf32>
  linalg.copy ins(%x : memref<4xf32>) outs(%r : memref<4xf32>)
  %l = memref.alloc() : memref<4xf32>
  %last = scf.for %k = %c0 to %n step %c1 iter_args(%cur = %l) -> (memref<4xf32>) {
    scf.yield %cur : memref<4xf32>
  }
  linalg.copy ins(%last : memref<4xf32>) outs(%r : memref<4xf32>)
  %d = memref.alloc(%n) : memref<?xf32>
  %e = memref.load %d[%c0] : memref<?xf32>
  %b = memref.alloc() : memref<8xi1>
  %f = memref.load %b[%c0] : memref<8xi1>
  %g = memref.alloc() {alignment = 128 : i64} : memref<8xf32>
  %h = memref.load %g[%c0] : memref<8xf32>
  return %r : memref<4xf32>
}

// -----

// Aliases: a padded tile picks one of two buffers in an `scf.if`; a subview and a
// collapse_shape of a third. All are planned, and the `scf.if` result's last use (after
// the third buffer's first) keeps both branch buffers live: three distinct slots.
// CHECK: module attributes {dnnf.arena_bytes = 192 : i64, dnnf.buffer_bytes = 192 : i64, dnnf.workspace_bytes = 0 : i64}
// CHECK-LABEL: func.func @aliases
// CHECK-NOT: memref.alloc() : memref<
// CHECK: scf.if
// CHECK: memref.subview
// CHECK: memref.collapse_shape
func.func @aliases(%x: memref<4x4xf32>, %p: i1, %out: memref<16xf32>) {
  %t = memref.alloc() : memref<4x4xf32>
  %e = memref.alloc() : memref<4x4xf32>
  linalg.copy ins(%x : memref<4x4xf32>) outs(%t : memref<4x4xf32>)
  linalg.copy ins(%x : memref<4x4xf32>) outs(%e : memref<4x4xf32>)
  %pick = scf.if %p -> (memref<4x4xf32>) {
    scf.yield %t : memref<4x4xf32>
  } else {
    scf.yield %e : memref<4x4xf32>
  }
  %w = memref.alloc() : memref<4x4xf32>
  %sub = memref.subview %w[0, 0] [2, 4] [1, 1] : memref<4x4xf32> to memref<2x4xf32, strided<[4, 1]>>
  %flat = memref.collapse_shape %w [[0, 1]] : memref<4x4xf32> into memref<16xf32>
  linalg.copy ins(%pick : memref<4x4xf32>) outs(%w : memref<4x4xf32>)
  linalg.copy ins(%flat : memref<16xf32>) outs(%out : memref<16xf32>)
  return
}

// -----

// The model's entry (`dnnf.workspace`): the arena is not allocated but taken as a new
// trailing argument, after the out-parameter, and recorded as workspace bytes. The
// function type and argument attributes grow with it; nothing is allocated or freed.
// CHECK: module attributes {dnnf.arena_bytes = 128 : i64, dnnf.buffer_bytes = 128 : i64, dnnf.workspace_bytes = 128 : i64}
// CHECK-LABEL: func.func @entry
// CHECK-SAME: (%{{.*}}: memref<16xf32> {bufferization.writable = false}, %[[OUT:.*]]: memref<16xf32>, %[[WS:.*]]: memref<128xi8>)
// CHECK-SAME: attributes {dnnf.workspace, llvm.emit_c_interface}
// CHECK-NOT: memref.alloc
// CHECK: memref.view %[[WS]][%{{.*}}][] : memref<128xi8> to memref<16xf32>
// CHECK: memref.view %[[WS]][%{{.*}}][] : memref<128xi8> to memref<16xf32>
// CHECK: linalg.copy ins(%{{.*}} : memref<16xf32>) outs(%[[OUT]] : memref<16xf32>)
func.func @entry(%x: memref<16xf32> {bufferization.writable = false}, %out: memref<16xf32>)
    attributes {dnnf.workspace, llvm.emit_c_interface} {
  %a = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
  linalg.copy ins(%x : memref<16xf32>) outs(%a : memref<16xf32>)
  %b = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
  linalg.copy ins(%a : memref<16xf32>) outs(%b : memref<16xf32>)
  linalg.copy ins(%b : memref<16xf32>) outs(%out : memref<16xf32>)
  return
}
