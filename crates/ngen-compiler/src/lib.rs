//! CIL to Cranelift IR translator and AOT/JIT back ends
