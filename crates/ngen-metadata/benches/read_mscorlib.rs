//! Opening `/usr/lib/mono/4.5/mscorlib.dll` and decoding every method body and every
//! instruction in it (the speed target: well under 100 ms on one core).
//! Run: `cargo bench -p ngen-metadata --bench read_mscorlib`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ngen_metadata::{Assembly, TableId};

const MSCORLIB: &str = "/usr/lib/mono/4.5/mscorlib.dll";

/// Decodes every body header, EH section and instruction; returns the instruction count.
fn decode_everything(asm: &Assembly) -> u64 {
    let mut instructions = 0u64;
    for rid in 1..=asm.row_count(TableId::MethodDef) {
        if let Some(body) = asm.method_body(rid).expect("body decodes") {
            for ins in body.instructions() {
                black_box(ins.expect("instruction decodes"));
                instructions += 1;
            }
        }
    }
    instructions
}

fn bench(c: &mut Criterion) {
    if std::fs::metadata(MSCORLIB).is_err() {
        eprintln!("{MSCORLIB} is missing (install mono-runtime); skipping");
        return;
    }
    let mut group = c.benchmark_group("mscorlib");
    group.sample_size(30);
    group.bench_function("open_file_and_decode_all_bodies_and_instructions", |b| {
        b.iter(|| {
            let asm = Assembly::open(MSCORLIB).expect("mscorlib opens");
            black_box(decode_everything(&asm))
        })
    });
    let bytes = std::fs::read(MSCORLIB).expect("mscorlib readable");
    group.bench_function("decode_all_bodies_and_instructions_already_open", |b| {
        let asm = Assembly::from_bytes(bytes.clone()).expect("mscorlib opens");
        b.iter(|| black_box(decode_everything(&asm)))
    });
    group.bench_function("open_only", |b| {
        b.iter(|| black_box(Assembly::from_bytes(bytes.clone()).expect("mscorlib opens")))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
