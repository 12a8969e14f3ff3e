//! Fuzz target: real framework method bodies, mutated, through the translator with the
//! Cranelift verifier on.
//!
//! The model: the translator reads a method from an `Assembly` (its signature, its body, its
//! local signature and every token the IL names), so mutated bodies are written back into a
//! real assembly (mscorlib by default, or `NGEN_FUZZ_ASSEMBLY`) in place of one of its own
//! methods, and that method is compiled through the public JIT entry point
//! (`ngen_compiler::jit::Jit::compile`, the same translator the AOT compiler uses). The code is
//! never run.
//!
//! Input layout (the seed corpus holds real methods in this form; see docs/fuzzing.md):
//! - 4 bytes LE: which method (index into the methods with a body, modulo their count);
//!   its MethodDef row gives the signature;
//! - 1 byte `L`, then `L` bytes written over the method's original local-variable signature
//!   blob (at most its length; 0 leaves it alone);
//! - the rest: the method body (tiny or fat header, IL, exception sections), written where the
//!   original body starts, up to where the next body starts.
//!
//! A bug is: a panic anywhere (libFuzzer's hook aborts even inside the compiler's
//! `catch_unwind`), an `internal compiler error`, a Cranelift verifier error, or a hang.
//! Every other outcome (compiled, or refused with a reason) is fine.
//!
//! `NGEN_FUZZ_WRITE_SEEDS=DIR` writes the seed corpus (every 8th method, up to 4,000) into
//! DIR at start-up; run it with `-runs=0`.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use ngen_abi::image::{CellKey, ImportCell};
use ngen_compiler::jit::{Jit, JitHost};
use ngen_compiler::type_context::TypeContext;
use ngen_metadata::{Assembly, TableId, Token};

/// One method of the base assembly whose body can be replaced.
struct Slot {
    rid: u32,
    /// File offset of the body's header.
    body: usize,
    /// Bytes up to the next body (or the original size, for the last one).
    room: usize,
    /// File offset and length of the local signature blob's contents, if it has one.
    locals: Option<(usize, usize)>,
}

struct Base {
    bytes: Vec<u8>,
    slots: Vec<Slot>,
}

fn offset_in(file: &[u8], part: &[u8]) -> Option<usize> {
    let start = part.as_ptr() as usize;
    let base = file.as_ptr() as usize;
    (start >= base && start + part.len() <= base + file.len()).then(|| start - base)
}

/// The directory of the base assembly (`NGEN_FUZZ_ASSEMBLY`, else mono's mscorlib).
fn base_assembly() -> std::path::PathBuf {
    std::env::var_os("NGEN_FUZZ_ASSEMBLY")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "/usr/lib/mono/4.5/mscorlib.dll".into())
}

fn base_directory() -> std::path::PathBuf {
    base_assembly()
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default()
}

fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let asm = Assembly::open(base_assembly()).expect("the base assembly opens");
        let file = asm.bytes();
        let mut slots = Vec::new();
        for rid in 1..=asm.row_count(TableId::MethodDef) {
            let Ok(Some(body)) = asm.method_body(rid) else {
                continue;
            };
            let Some(code) = offset_in(file, body.code) else {
                continue;
            };
            let header = if body.fat { 12 } else { 1 };
            let Some(start) = code.checked_sub(header) else {
                continue;
            };
            let locals = body
                .local_var_sig_token
                .filter(|t| t.table() == Some(TableId::StandAloneSig))
                .and_then(|t| asm.stand_alone_sig(t.rid()).ok())
                .and_then(|row| asm.blob(row.signature).ok())
                .and_then(|blob| offset_in(file, blob).map(|o| (o, blob.len())));
            slots.push(Slot {
                rid,
                body: start,
                room: header + body.code.len(),
                locals,
            });
        }
        // A body may grow into the space up to the next one.
        let mut starts: Vec<usize> = slots.iter().map(|s| s.body).collect();
        starts.sort_unstable();
        for s in &mut slots {
            let next = starts.partition_point(|&b| b <= s.body);
            if let Some(&n) = starts.get(next) {
                s.room = s.room.max((n - s.body).min(64 * 1024));
            }
        }
        let base = Base {
            bytes: file.to_vec(),
            slots,
        };
        if let Ok(dir) = std::env::var("NGEN_FUZZ_WRITE_SEEDS") {
            write_seeds(&base, std::path::Path::new(&dir));
        }
        base
    })
}

fn write_seeds(base: &Base, dir: &std::path::Path) {
    std::fs::create_dir_all(dir).expect("seed directory");
    for (i, slot) in base.slots.iter().enumerate().step_by(8).take(4000) {
        let mut seed = (i as u32).to_le_bytes().to_vec();
        match slot.locals {
            Some((o, len)) if len <= 255 => {
                seed.push(len as u8);
                seed.extend_from_slice(&base.bytes[o..o + len]);
            }
            _ => seed.push(0),
        }
        seed.extend_from_slice(&base.bytes[slot.body..slot.body + slot.room]);
        std::fs::write(dir.join(format!("method-{:06}", slot.rid)), seed).expect("seed file");
    }
}

/// Cells and helpers for the JIT: valid memory that is never executed.
#[derive(Default)]
struct Host {
    cells: Vec<Box<ImportCell>>,
}

static HELPERS: [u64; 64] = [0; 64];

impl JitHost for Host {
    fn cell(&mut self, _key: CellKey) -> *mut ImportCell {
        self.cells.push(Box::new(ImportCell { target: 0, key: 0 }));
        &mut **self.cells.last_mut().unwrap() as *mut ImportCell
    }

    fn helper_table(&self) -> *const u64 {
        HELPERS.as_ptr()
    }
}

/// The JIT, recreated every so often so its code memory stays bounded.
struct Compiler {
    jit: Jit,
    host: Host,
    compiled: usize,
}

fn compiler() -> &'static Mutex<Option<Compiler>> {
    static JIT: OnceLock<Mutex<Option<Compiler>>> = OnceLock::new();
    JIT.get_or_init(|| {
        // SAFETY: set once, before any thread reads the environment (the JIT reads it when
        // it builds its ISA, below).
        unsafe { std::env::set_var("NGEN_VERIFY_CLIF", "1") };
        Mutex::new(None)
    })
}

fuzz_target!(|data: &[u8]| {
    let base = base();
    if data.len() < 5 || base.slots.is_empty() {
        return;
    }
    let pick = u32::from_le_bytes(data[0..4].try_into().unwrap()) as usize % base.slots.len();
    let slot = &base.slots[pick];
    let mut bytes = base.bytes.clone();
    let local_len = data[4] as usize;
    let rest = &data[5..];
    let (local_bytes, body) = rest.split_at(local_len.min(rest.len()));
    if let Some((o, len)) = slot.locals {
        let n = local_bytes.len().min(len);
        bytes[o..o + n].copy_from_slice(&local_bytes[..n]);
    }
    let n = body.len().min(slot.room);
    bytes[slot.body..slot.body + n].copy_from_slice(&body[..n]);
    let Ok(asm) = Assembly::from_bytes(bytes) else {
        return;
    };
    let mut guard = compiler().lock().unwrap_or_else(|p| p.into_inner());
    if guard.as_ref().is_none_or(|c| c.compiled >= 2000) {
        *guard = Some(Compiler {
            // Types come from the unmutated framework (the base assembly's directory).
            jit: Jit::new(TypeContext::over_directories(&[base_directory()]))
                .expect("a JIT for this CPU"),
            host: Host::default(),
            compiled: 0,
        });
    }
    let c = guard.as_mut().unwrap();
    c.compiled += 1;
    if let Err(reason) = c.jit.compile(&asm, slot.rid, &mut c.host) {
        assert!(
            !reason.contains("internal compiler error") && !reason.contains("Verifier"),
            "method {:#010x}: {reason}",
            Token::new(TableId::MethodDef, slot.rid).0
        );
    }
});
