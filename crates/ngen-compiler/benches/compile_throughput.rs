//! Compile throughput of `build_image` in-process (no process start-up, no file writes) on a
//! generated assembly (tests/bench/codegen/gen_methods.py, compiled with mcs), with one thread and
//! with all cores. Criterion reports methods/s as elements/s.
//!
//! Run: `cargo bench -p ngen-compiler --bench compile_throughput` (needs python3 and mcs).
//! `NGEN_BENCH_METHODS` sets the method count (default 10000).

use std::path::PathBuf;
use std::process::Command;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ngen_compiler::aot::{ImageRequest, build_image};

fn generated_assembly(dir: &std::path::Path, methods: usize) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let source = dir.join("gen.cs");
    let out = Command::new("python3")
        .arg(root.join("tests/bench/codegen/gen_methods.py"))
        .arg(methods.to_string())
        .output()
        .expect("python3");
    std::fs::write(&source, out.stdout).unwrap();
    let exe = dir.join("gen.exe");
    let status = Command::new("mcs")
        .args(["-nologo", "-deterministic", "-debug-"])
        .arg(format!("-out:{}", exe.display()))
        .arg(&source)
        .status()
        .expect("mcs");
    assert!(status.success());
    exe
}

fn bench(c: &mut Criterion) {
    let methods: usize = std::env::var("NGEN_BENCH_METHODS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let exe = generated_assembly(dir.path(), methods);
    let mut group = c.benchmark_group("compile_throughput");
    group.sample_size(10);
    group.throughput(Throughput::Elements(methods as u64 + 1));
    for threads in [1usize, 0] {
        let name = if threads == 1 {
            "threads=1"
        } else {
            "threads=all"
        };
        let request = ImageRequest {
            assembly: exe.clone(),
            references: vec![PathBuf::from("/usr/lib/mono/4.5/mscorlib.dll")],
            scenario: ngen_abi::Scenario::DEFAULT,
            threads,
            hard_dependencies: Vec::new(),
            instance_plans: Default::default(),
        };
        group.bench_function(name, |b| {
            b.iter(|| build_image(&request).expect("build"));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
