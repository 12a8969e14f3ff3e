//! ngen.toml: the declarative manifest, its schema and its diagnostics
