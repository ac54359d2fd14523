# CMake toolchain file: cross-compile for 64-bit Arm Linux (AArch64 + NEON) with the Debian
# cross toolchain, and run the results under user-mode qemu (ctest uses the emulator).
#   apt-get install gcc-aarch64-linux-gnu qemu-user llvm-22
#   cmake -S . -B build/cmake-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(DNNF_CROSS_PREFIX aarch64-linux-gnu- CACHE STRING "cross tool prefix")
set(CMAKE_C_COMPILER ${DNNF_CROSS_PREFIX}gcc)
set(CMAKE_CXX_COMPILER ${DNNF_CROSS_PREFIX}g++)
set(CMAKE_ASM_COMPILER ${DNNF_CROSS_PREFIX}gcc)

set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)

set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
