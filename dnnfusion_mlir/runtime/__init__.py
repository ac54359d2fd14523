"""Runtimes for compiled models: host JIT (host.py)."""
