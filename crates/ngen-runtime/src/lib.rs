//! Runtime host: loads assemblies and images, validates them, resolves import cells, JIT fallback, runs Main
