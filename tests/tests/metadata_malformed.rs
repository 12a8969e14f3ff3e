//! Malformed input never panics ngen-metadata: truncated copies (many lengths) and
//! byte-corrupted copies (deterministic pseudo-random positions, fixed seed) of real assemblies
//! either open and audit with errors counted, or fail to open with a typed error. Also checks
//! that `ngen-build inspect` turns a broken file into a clear message and a non-zero exit.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use ngen_metadata::Assembly;
use ngen_metadata::audit::audit;

/// Small, medium and large real assemblies with different table widths and heaps.
const SAMPLES: &[&str] = &[
    "Accessibility.dll",
    "System.Runtime.Serialization.Formatters.Soap.dll",
    "System.Numerics.dll",
    "mscorlib.dll",
];

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(ngen_tests::FRAMEWORK_DIR).join(name)).expect("framework assembly")
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Opens and fully audits `bytes`; `Err` carries a description if anything panicked.
/// Returns whether the open succeeded.
fn open_and_walk(bytes: Vec<u8>) -> Result<bool, String> {
    catch_unwind(AssertUnwindSafe(move || {
        match Assembly::from_bytes(bytes) {
            Ok(asm) => {
                let report = audit(&asm);
                // Errors must carry a message (Display works on every variant reached).
                for (_, e) in &report.errors {
                    assert!(!e.to_string().is_empty());
                }
                true
            }
            Err(e) => {
                assert!(!e.to_string().is_empty());
                false
            }
        }
    }))
    .map_err(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

/// Where the metadata lives in the file (corruption there reaches the interesting decoders).
fn metadata_span(bytes: &[u8]) -> (usize, usize) {
    let asm = Assembly::from_bytes(bytes.to_vec()).expect("sample opens");
    let cli = asm.cli_header();
    let start = asm
        .rva_to_file_offset(cli.metadata_rva)
        .expect("metadata maps");
    (start, cli.metadata_size as usize)
}

#[test]
fn truncated_copies_error_or_open_but_never_panic() {
    let mut panics = Vec::new();
    let mut opened = 0;
    let mut rejected = 0;
    for name in SAMPLES {
        let bytes = sample(name);
        let (md_start, md_len) = metadata_span(&bytes);
        let mut lengths: Vec<usize> = vec![0, 1, 2, 63, 64, 65, 127, 128, 200, 300, 400, 511, 512];
        // Evenly spread lengths over the file, and densely over the metadata.
        lengths.extend((1..40).map(|k| bytes.len() * k / 40));
        lengths.extend((0..40).map(|k| md_start + md_len * k / 40));
        lengths.extend([md_start + 1, md_start + 16, md_start + 40, bytes.len() - 1]);
        lengths.sort_unstable();
        lengths.dedup();
        for len in lengths.into_iter().filter(|l| *l < bytes.len()) {
            match open_and_walk(bytes[..len].to_vec()) {
                Ok(true) => opened += 1,
                Ok(false) => rejected += 1,
                Err(msg) => panics.push(format!("{name} truncated to {len}: {msg}")),
            }
        }
    }
    eprintln!("truncation: {opened} opened (errors counted), {rejected} rejected at open");
    assert!(panics.is_empty(), "panics:\n{}", panics.join("\n"));
    assert!(
        rejected > 50,
        "most truncations must be rejected, got {rejected}"
    );
}

#[test]
fn corrupted_copies_error_or_open_but_never_panic() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut panics = Vec::new();
    let mut opened_with_errors = 0;
    let mut opened_clean = 0;
    let mut rejected = 0;
    for name in SAMPLES {
        let bytes = sample(name);
        let (md_start, md_len) = metadata_span(&bytes);
        // mscorlib is large: fewer copies keep the test quick in debug builds.
        let copies = if bytes.len() > 1_000_000 { 12 } else { 120 };
        for copy in 0..copies {
            let mut mutated = bytes.clone();
            let flips = 1 + rng.below(16);
            let mut positions = Vec::new();
            for _ in 0..flips {
                // Three quarters of the hits land in the metadata, the rest anywhere.
                let pos = if rng.below(4) == 0 {
                    rng.below(mutated.len())
                } else {
                    md_start + rng.below(md_len)
                };
                mutated[pos] = rng.next() as u8;
                positions.push(pos);
            }
            let before = catch_unwind(AssertUnwindSafe(|| {
                Assembly::from_bytes(mutated.clone())
                    .map(|a| audit(&a).errors.len())
                    .ok()
            }));
            match before {
                Ok(Some(0)) => opened_clean += 1,
                Ok(Some(_)) => opened_with_errors += 1,
                Ok(None) => rejected += 1,
                Err(_) => {
                    let msg = open_and_walk(mutated).err().unwrap_or_default();
                    panics.push(format!("{name} copy {copy} bytes {positions:x?}: {msg}"));
                }
            }
        }
    }
    eprintln!(
        "corruption: {opened_clean} still clean, {opened_with_errors} opened with errors, {rejected} rejected at open"
    );
    assert!(panics.is_empty(), "panics:\n{}", panics.join("\n"));
    assert!(
        opened_with_errors + rejected > 50,
        "corruption must be detected"
    );
}

/// Every single-byte value at every offset of the table-stream header and the first rows
/// (the densest decoding logic) — an exhaustive sweep on a small assembly.
#[test]
fn exhaustive_header_byte_sweep_on_a_small_assembly() {
    let bytes = sample("Accessibility.dll");
    let asm = Assembly::from_bytes(bytes.clone()).unwrap();
    let cli = *asm.cli_header();
    let md = asm.rva_to_file_offset(cli.metadata_rva).unwrap();
    let mut panics = Vec::new();
    for offset in md..md + 256 {
        for value in [0x00u8, 0x01, 0x7f, 0x80, 0xff] {
            let mut mutated = bytes.clone();
            mutated[offset] = value;
            if let Err(msg) = open_and_walk(mutated) {
                panics.push(format!("offset {offset:#x} = {value:#04x}: {msg}"));
            }
        }
    }
    assert!(panics.is_empty(), "panics:\n{}", panics.join("\n"));
}

#[test]
fn inspect_reports_broken_files_clearly() {
    let dir = ngen_tests::temp_dir();
    let bytes = sample("System.Numerics.dll");
    let (md_start, _) = metadata_span(&bytes);

    let truncated = dir.path().join("truncated.dll");
    std::fs::write(&truncated, &bytes[..md_start + 8]).unwrap();
    let not_pe = dir.path().join("text.dll");
    std::fs::write(
        &not_pe,
        "this is not a PE file at all, just text\n".repeat(10),
    )
    .unwrap();
    let mut bad_root = bytes.clone();
    bad_root[md_start] = b'X'; // break the BSJB signature
    let bad_signature = dir.path().join("badsig.dll");
    std::fs::write(&bad_signature, &bad_root).unwrap();

    for (file, expected) in [
        (&truncated, "truncated"),
        (&not_pe, "not a valid PE file"),
        (&bad_signature, "metadata root signature"),
    ] {
        let out = ngen_tests::ngen_build()
            .arg("inspect")
            .arg(file)
            .output()
            .expect("run ngen-build");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{}: {stderr}", file.display());
        assert!(
            stderr.contains("cannot read") && stderr.contains(expected),
            "{}: stderr lacks {expected:?}:\n{stderr}",
            file.display()
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
