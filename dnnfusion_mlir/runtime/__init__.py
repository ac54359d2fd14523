"""Runtimes for compiled models: host JIT (host.py), C API (c_api.py), qemu-aarch64 (qemu.py)."""
