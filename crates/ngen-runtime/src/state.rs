//! The process-wide runtime: loaded assemblies and their images, the JIT, and resolution of
//! import cells (methods in images, JIT-compiled methods, icalls,
//! strings, statics, method tables).
//!
//! Compiled code reaches [`resolve_cell`] through the `ResolveCell` helper; everything here
//! runs under one lock. A cell's `key` points at a leaked [`CellDesc`] naming the assembly
//! and token it refers to ([`image_cells`]: made when an image's cell is first resolved). By
//! concern:
//! - this file: startup, loading assemblies and their images, string literals, JIT cells;
//! - [`methods`]: method cells (image, JIT, icalls, mscorlib's IL);
//! - [`statics`]: static-field cells and per-type static areas;
//! - [`method_tables`]: method tables of every type, and from a table back to its type;
//! - [`objects`]: what runtime helpers and icalls ask about objects (casts, interface
//!   calls, `GetType`); [`dispatch_cache`]: interface calls' lock-free per-site cache;
//!   [`pair_cache`]: casts' and array checks' lock-free answers by pair of method tables.
//! - [`arrays`]: the method table `newarr` stores, `stelem.ref`'s covariance check.
//! - [`finalizers`]: `Object::Finalize`'s slot, which classes override it.
//! - [`exception_clauses`]: a method's EH clauses and its `catch` types' tests, for the
//!   first pass of exception handling.

pub(crate) mod arrays;
pub(crate) mod assemblies;
pub(crate) mod assembly_names;
pub(crate) mod attributes;
mod dispatch_cache;
pub(crate) mod exception_clauses;
pub(crate) mod field_queries;
pub(crate) mod finalizers;
pub(crate) mod generic_params;
mod handles;
mod image_cells;
pub(crate) mod interop;
pub(crate) mod members;
pub(crate) mod method_queries;
mod method_tables;
mod methods;
pub(crate) mod modules;
pub(crate) mod objects;
mod pair_cache;
pub(crate) mod property_queries;
pub(crate) mod reflected_delegates;
pub(crate) mod reflection;
pub(crate) mod resources;
mod shared_code;
pub(crate) mod statics;
pub(crate) mod trace_names;
pub(crate) mod type_objects;
pub(crate) mod value_equality;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ngen_abi::image::{CellKey, CellKind, ImportCell};
use ngen_binder::{AssemblyName, Binder};
use ngen_compiler::jit::{Jit, JitHost};
use ngen_compiler::runtime_types::{GenericContext, MethodHandle, TypeHandle};
use ngen_compiler::type_context::{BoundPaths, TypeContext};
use ngen_compiler::types::MethodShape;
use ngen_metadata::{Assembly, TableId, Token};

use crate::images::{MappedImage, index_images, map, open_image, validate_own, verify_digest};
use crate::{JitMode, RunError, RunOptions, log};

/// What an import cell refers to (pointed to by the cell's `key`).
struct CellDesc {
    asm: usize,
    kind: CellKind,
    token: u32,
    aux: u32,
    /// The generic context the token resolves in ([`Runtime::generic_context`]; 0: none):
    /// the context of the method instance whose code uses the cell.
    generics: u32,
    /// For a method cell the runtime made (a method-table slot): the method instance it
    /// calls, when that is a generic instance (the token alone names the open definition).
    instance: Option<MethodHandle>,
    /// The receiver types this cell's interface calls resolved, read without the lock
    /// ([`dispatch_cache`]; empty for the cells that make none).
    dispatch: dispatch_cache::SiteSlot,
}

struct LoadedAsm {
    name: String,
    path: PathBuf,
    metadata: Assembly,
    identity: AssemblyName,
    references: Vec<AssemblyName>,
    mvid: [u8; 16],
    image: Option<MappedImage>,
    /// Why methods are missing from the image, by MethodDef token.
    excluded: HashMap<u32, String>,
    /// Why there is no image, when there is none.
    no_image: String,
}

struct Runtime {
    binder: Binder,
    /// The files the binder bound, by simple name, for the type system's resolvers.
    bound_paths: BoundPaths,
    image_index: BTreeMap<String, Vec<PathBuf>>,
    /// Where images were looked for (for error messages).
    image_dirs: Vec<PathBuf>,
    jit_mode: JitMode,
    scenario: ngen_abi::Scenario,
    assemblies: Vec<LoadedAsm>,
    by_path: HashMap<PathBuf, usize>,
    jit: Option<Jit>,
    code: HashMap<(usize, u32), u64>,
    /// Code of generic method instances, by instance ([`MethodInstance::code_key`]).
    instance_code: HashMap<MethodHandle, u64>,
    /// Code of the generic instances images hold, by (defining assembly, MethodDef rid,
    /// runtime generic context id); moved into `instance_code` when first asked for.
    image_instances: HashMap<(usize, u32, u32), u64>,
    /// Canonical shared code images hold, by (defining assembly, MethodDef rid, canonical
    /// form: 0 over `System.Object` alone, else the form's generic context id): served to
    /// instances of that form that no image holds exactly (`state/shared_code.rs`).
    shared_code: HashMap<(usize, u32, u32), SharedCode>,
    /// Generic contexts cells resolve in, by id (0: none), and back.
    generic_contexts: Vec<GenericContext>,
    generic_context_ids: BTreeMap<ContextKey, u32>,
    strings: HashMap<(usize, u32), u64>,
    jit_cells: HashMap<JitCellKey, usize>,
    /// The type system, for statics, method tables, casts and interface calls (the JIT keeps
    /// its own; both compute the same numbers from the same files).
    types: TypeContext,
    /// Static storage of types, by type (one per instantiation of a generic type),
    /// allocated on first access.
    statics: BTreeMap<TypeHandle, TypeStatics>,
    /// Method tables, by type, built on first use and never freed.
    method_tables: BTreeMap<TypeHandle, u64>,
    /// The type of each method table.
    types_by_table: HashMap<u64, TypeHandle>,
    /// Code an interface call runs, by (call site's method cell, object's method table):
    /// the interned entries the call sites' lock-free caches point at.
    interface_targets: HashMap<(u64, u64), &'static dispatch_cache::DispatchEntry>,
    /// `System.RuntimeType` objects (`GetType`, `typeof`), by type, rooted forever.
    type_objects: BTreeMap<TypeHandle, u64>,
    /// A `.cctor` to run once the lock is released (set while resolving a static-field cell).
    pending_cctor: Option<u64>,
    /// The full name of that `.cctor`'s type, for a `TypeInitializationException` if it throws.
    pending_cctor_type: Option<String>,
    /// The type (`TypeHandle::index`) with a `.cctor` whose statics the cell being resolved
    /// reaches: the cell is filled only once that `.cctor` has finished
    /// ([`crate::threads::type_init`]).
    cell_type: Option<u32>,
}

/// A generic MethodDef's canonical shared code in an image.
struct SharedCode {
    code: u64,
    /// The integer argument register its dictionary travels in.
    register: u32,
    /// Its dictionary's slots: cell keys resolving in the exact instance's context.
    slots: Vec<CellKey>,
}

/// A JIT cell: (assembly, kind, token, aux, generic context id).
type JitCellKey = (usize, u32, u32, u32, u32);

/// A generic context as a map key: the type arguments and the method arguments.
type ContextKey = (Option<Vec<TypeHandle>>, Option<Vec<TypeHandle>>);

/// The static storage areas of one type (present once its `.cctor` has been started).
struct TypeStatics {
    gc: u64,
    non_gc: u64,
}

static RUNTIME: OnceLock<Mutex<Runtime>> = OnceLock::new();

/// Calls `f` with the metadata of assembly `id`, unless the runtime is busy: exit handlers
/// (the call profile) must not wait for a lock that a stopped thread may hold.
pub(crate) fn try_with_metadata<R>(id: usize, f: impl FnOnce(&Assembly) -> R) -> Option<R> {
    let runtime = RUNTIME.get()?.try_lock().ok()?;
    runtime.assemblies.get(id).map(|a| f(&a.metadata))
}

/// Calls `f` with the metadata of assembly `id`, waiting up to half a second for a busy
/// runtime (as [`with_runtime_patiently`]).
pub(crate) fn with_metadata_patiently<R>(id: usize, f: impl FnOnce(&Assembly) -> R) -> Option<R> {
    with_runtime_patiently(|runtime| runtime.assemblies.get(id).map(|a| f(&a.metadata)))?
}

/// Calls `f` with the runtime, waiting up to half a second for a busy one: a stack trace's
/// frames are named so, and another thread holding the lock (a JIT compilation, a cell being
/// resolved) must not make a frame vanish from the trace. The bound keeps the reason
/// [`try_with_metadata`] does not wait: the lock may be held by this thread or by one that
/// will never release it, and then the frame is left out.
fn with_runtime_patiently<R>(f: impl FnOnce(&Runtime) -> R) -> Option<R> {
    use std::sync::TryLockError;
    use std::time::{Duration, Instant};
    let mutex = RUNTIME.get()?;
    let deadline = Instant::now() + Duration::from_millis(500);
    loop {
        let runtime = match mutex.try_lock() {
            Ok(runtime) => runtime,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_micros(200));
                continue;
            }
            Err(TryLockError::WouldBlock) => return None,
        };
        return Some(f(&runtime));
    }
}

/// The file and module version id of assembly `id` (to find its symbols), unless the runtime
/// is busy (as [`try_with_metadata`]).
pub(crate) fn try_assembly_file(id: usize) -> Option<(PathBuf, [u8; 16])> {
    let runtime = RUNTIME.get()?.try_lock().ok()?;
    runtime.assemblies.get(id).map(|a| (a.path.clone(), a.mvid))
}

fn lock() -> std::sync::MutexGuard<'static, Runtime> {
    match RUNTIME.get() {
        Some(m) => m.lock().unwrap_or_else(|p| p.into_inner()),
        None => fatal("internal error: runtime used before it was started"),
    }
}

/// Prints a fatal runtime error and ends the process (no managed frame can handle it).
pub(crate) fn fatal(message: &str) -> ! {
    eprintln!("ngen-build run: error: {message}");
    std::process::exit(2)
}

/// The program's entry point, ready to call.
pub(crate) struct EntryPoint {
    pub code: u64,
    pub shape: MethodShape,
}

/// Initialises the runtime for `options` and returns the entry point.
pub(crate) fn start(options: &RunOptions) -> Result<EntryPoint, RunError> {
    let binder = Binder::new(&options.assembly, options.binder_config.clone())?;
    let bound_paths = BoundPaths::default();
    let types = TypeContext::over_bound_paths(
        bound_paths.clone(),
        &[
            binder.app_base().to_path_buf(),
            binder.framework_dir().to_path_buf(),
        ],
    );
    let runtime = Runtime {
        bound_paths,
        binder,
        image_index: if options.jit == JitMode::Always {
            BTreeMap::new()
        } else {
            index_images(&options.image_dirs)
        },
        image_dirs: options.image_dirs.clone(),
        jit_mode: options.jit,
        scenario: options.scenario,
        assemblies: Vec::new(),
        by_path: HashMap::new(),
        jit: None,
        code: HashMap::new(),
        instance_code: HashMap::new(),
        image_instances: HashMap::new(),
        shared_code: HashMap::new(),
        generic_contexts: vec![GenericContext::none()],
        generic_context_ids: BTreeMap::new(),
        strings: HashMap::new(),
        jit_cells: HashMap::new(),
        types,
        statics: BTreeMap::new(),
        method_tables: BTreeMap::new(),
        types_by_table: HashMap::new(),
        interface_targets: HashMap::new(),
        type_objects: BTreeMap::new(),
        pending_cctor: None,
        pending_cctor_type: None,
        cell_type: None,
    };
    if options.jit != JitMode::Always {
        log::binding(|| {
            let dirs: Vec<String> = options
                .image_dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect();
            format!(
                "{} scenario images searched in: {}",
                options.scenario,
                if dirs.is_empty() {
                    "(no image directories)".to_string()
                } else {
                    dirs.join(", ")
                }
            )
        });
    }
    RUNTIME
        .set(Mutex::new(runtime))
        .map_err(|_| RunError::AlreadyRunning)?;
    let mut rt = lock();
    let root = rt
        .load(&options.assembly)
        .map_err(|message| RunError::Assembly {
            path: options.assembly.clone(),
            message,
        })?;
    let token = rt.assemblies[root]
        .metadata
        .entry_point_token()
        .filter(|t| t.table() == Some(TableId::MethodDef))
        .ok_or_else(|| RunError::NoEntryPoint(options.assembly.clone()))?;
    rt.install_allocated_tables();
    if let Ok(corlib) = rt.assembly_named(root, "mscorlib")
        && let Err(e) = rt.set_string_empty(corlib)
    {
        log::binding(|| format!("String.Empty not set for mscorlib's IL: {e}"));
    }
    let shape = ngen_compiler::method_def_shape(&rt.assemblies[root].metadata, token.rid())
        .map_err(RunError::EntrySignature)?;
    crate::entry::check(&shape).map_err(RunError::EntrySignature)?;
    let code = rt
        .method_code(root, token.rid())
        .map_err(RunError::Resolve)?;
    Ok(EntryPoint { code, shape })
}

/// The `ResolveCell` helper: resolves `cell`, stores and returns its target.
pub(crate) fn resolve_cell(cell: *mut ImportCell) -> u64 {
    let desc = image_cells::desc_of(cell);
    if desc.kind == CellKind::PInvoke {
        return resolve_pinvoke_cell(cell, desc);
    }
    let mut rt = lock();
    rt.cell_type = None;
    // A cell of a generic instance's code resolves its token in that instance's context.
    let outer_types = (desc.generics != 0).then(|| {
        let ctx = rt.generic_contexts[desc.generics as usize].clone();
        let types = rt.types.in_context(ctx);
        std::mem::replace(&mut rt.types, types)
    });
    let result = match desc.kind {
        CellKind::Method if desc.instance.is_some() => {
            rt.instance_code_of(desc.instance.unwrap_or_else(|| unreachable!()))
        }
        CellKind::UnboxingMethod if desc.instance.is_some() => rt
            .instance_code_of(desc.instance.unwrap_or_else(|| unreachable!()))
            .and_then(crate::stubs::unboxing_stub),
        CellKind::Method => rt.method_entry(desc.asm, Token(desc.token)),
        CellKind::String => rt.string(desc.asm, desc.token),
        CellKind::ConstrainedMethod => rt.constrained_entry(desc.asm, desc.token, desc.aux),
        CellKind::StaticField => rt.static_field(desc.asm, desc.token),
        CellKind::MethodTable => rt.method_table(desc.asm, desc.token),
        CellKind::ArrayMethodTable => rt.array_method_table(desc.asm, desc.token),
        CellKind::UnboxingMethod => rt
            .method_entry(desc.asm, Token(desc.token))
            .and_then(crate::stubs::unboxing_stub),
        CellKind::TypeObject => rt.type_object_of_token(desc.asm, desc.token),
        CellKind::ClassInit => rt.class_init(desc.asm, desc.token),
        CellKind::PInvoke => Err("internal: a P/Invoke cell resolves without the lock".into()),
    };
    if let Some(types) = outer_types {
        rt.types = types;
    }
    match result {
        Ok(target) => {
            let cell_type = run_pending_cctor(rt);
            if cell_type.is_none_or(settle_type) {
                // SAFETY: compiled code passes one of its cells, which are writable data.
                unsafe { (*cell).target = target };
            }
            target
        }
        Err(message) => {
            drop(rt);
            fatal(&message)
        }
    }
}

/// Resolves a P/Invoke's cell to its native function (`crate::pinvoke`), without the
/// runtime lock (a failure raises an exception, which allocates): 0, not stored, with
/// `DllNotFoundException` or `EntryPointNotFoundException` pending when it is not found.
fn resolve_pinvoke_cell(cell: *mut ImportCell, desc: &CellDesc) -> u64 {
    let found = {
        let rt = lock();
        let a = &rt.assemblies[desc.asm];
        ngen_compiler::pinvoke::import_of(&a.metadata, Token(desc.token).rid())
            .map(|import| (a.path.clone(), a.name.clone(), import))
    };
    let (path, name, import) = match found {
        Ok(found) => found,
        Err(message) => fatal(&format!("P/Invoke 0x{:08x}: {message}", desc.token)),
    };
    let target = crate::pinvoke::resolve_target(&path, &import);
    log::binding(|| {
        format!(
            "{name}: P/Invoke {}!{} {}",
            import.library,
            import.entry,
            if target == 0 { "not found" } else { "bound" }
        )
    });
    if target != 0 {
        // SAFETY: compiled code passes one of its cells, which are writable data.
        unsafe { (*cell).target = target };
    }
    target
}

/// Why the P/Invoke whose cell is `cell` cannot be marshalled (the compiler gave it a stub
/// that raises `MarshalDirectiveException`), in mono's words where it has them.
pub(crate) fn unsupported_pinvoke_reason(cell: *mut ImportCell) -> String {
    // The stub passes its own P/Invoke cell.
    let desc = image_cells::desc_of(cell);
    let rt = lock();
    let a = &rt.assemblies[desc.asm];
    let rid = Token(desc.token).rid();
    let method = ngen_compiler::method_display_name(&a.metadata, rid);
    match ngen_compiler::pinvoke::classify(&a.metadata, rid, &rt.types) {
        Err(ngen_compiler::pinvoke::Unsupported(why)) => {
            format!("Cannot marshal {why} (P/Invoke {method})")
        }
        Ok(_) => format!("Cannot marshal the signature of P/Invoke {method}"),
    }
}

/// The key of a cell resolving in generic context `generics`, or calling method `instance`.
/// Releases the runtime lock and runs the `.cctor` a static-field access just started, if
/// any (managed code runs without the lock: its calls resolve cells; its own accesses see
/// the storage, as ECMA-335 II.10.5.3.3 allows for the initialising thread, while other
/// threads wait). Returns the type the access waits on ([`Runtime::cell_type`]).
fn run_pending_cctor(mut rt: std::sync::MutexGuard<'static, Runtime>) -> Option<u32> {
    let cctor = rt.pending_cctor.take();
    let cctor_type = rt.pending_cctor_type.take();
    let cell_type = rt.cell_type.take();
    drop(rt);
    if let Some(code) = cctor {
        // SAFETY: `code` is compiled code of a static method with no parameters and no
        // result (a `.cctor`), SystemV.
        let f: extern "C" fn() = unsafe { std::mem::transmute(code as usize) };
        f();
        let type_name = cctor_type.as_deref().unwrap_or("?");
        let failure = crate::eh::raise::after_type_initializer(type_name);
        if let Some(ty) = cell_type {
            if let Some(exception) = failure {
                crate::gc_roots::root_forever(exception);
                crate::threads::type_init::fail(ty, exception, type_name);
            }
            crate::threads::type_init::finish(ty);
        }
    }
    cell_type
}

/// Whether a cell of type `ty` may be filled: another thread's `.cctor` of it has finished
/// ([`crate::threads::type_init::settle`]) and did not fail. A failed type raises its
/// `TypeInitializationException` again at every access, so its cells stay unfilled.
pub(crate) fn settle_type(ty: u32) -> bool {
    crate::threads::type_init::settle(ty) && !crate::eh::raise::type_initializer_failed_again(ty)
}

/// The first 16 hex digits of a BLAKE3 digest, as logs show it.
fn short_digest(hex: &str) -> &str {
    hex.get(..16).unwrap_or(hex)
}

fn new_cell_key_in(
    asm: usize,
    kind: CellKind,
    token: u32,
    aux: u32,
    generics: u32,
    instance: Option<MethodHandle>,
) -> u64 {
    Box::leak(Box::new(CellDesc {
        asm,
        kind,
        token,
        aux,
        generics,
        instance,
        dispatch: dispatch_cache::SiteSlot::default(),
    })) as *const CellDesc as u64
}

impl Runtime {
    /// Loads the assembly at `path` (once), with its image when one is valid.
    fn load(&mut self, path: &Path) -> Result<usize, String> {
        let key = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if let Some(id) = self.by_path.get(&key) {
            return Ok(*id);
        }
        let manifest = self.binder.manifest(path).map_err(|e| e.to_string())?;
        self.bound_paths.register(&manifest.identity.name, path);
        let metadata = match self.types_assembly(&manifest.identity.name, manifest.mvid.0) {
            Some(shared) => shared,
            None => Assembly::open(path).map_err(|e| e.to_string())?,
        };
        let id = self.assemblies.len();
        self.assemblies.push(LoadedAsm {
            name: manifest.identity.name.clone(),
            path: path.to_path_buf(),
            mvid: metadata.mvid().map_err(|e| e.to_string())?,
            metadata,
            identity: manifest.identity.clone(),
            references: manifest.references.clone(),
            image: None,
            excluded: HashMap::new(),
            no_image: String::new(),
        });
        self.by_path.insert(key, id);
        self.register_references(id);
        if self.assemblies[id].name.eq_ignore_ascii_case("mscorlib") {
            log::binding(|| "mscorlib: its image, icalls and IL".into());
        }
        self.attach_image(id);
        Ok(id)
    }

    /// The type system's own reading of assembly `name` when it is the file with MVID `mvid`:
    /// the runtime then shares its mapping of the file instead of mapping it a second time
    /// (mscorlib's touched metadata pages were resident twice, 1.7 MB, docs/BENCHMARKS.md
    /// section 22). `None` when the type system reads another file by that name, or none.
    fn types_assembly(&self, name: &str, mvid: [u8; 16]) -> Option<Assembly> {
        let shared = self.types.assembly_named(name).ok()?;
        (shared.mvid().ok()? == mvid).then(|| Assembly::clone(&shared))
    }

    /// Records where each reference of assembly `id` binds, without loading it: the JIT's type
    /// system reads a referenced assembly before any cell loads it (a local of a type from a
    /// GAC assembly, say: NUnit's console runner and `nunit.core`), and must read the file the
    /// loader would bind, not guess by directory. A reference that does not bind is left to
    /// fail where it is used.
    fn register_references(&mut self, id: usize) {
        let identity = self.assemblies[id].identity.clone();
        for reference in self.assemblies[id].references.clone() {
            if let Ok(binding) = self.binder.bind(&reference, &identity) {
                self.bound_paths.register(&reference.name, &binding.path);
            }
        }
    }

    /// Finds, validates and maps the image of assembly `id`, logging every decision.
    fn attach_image(&mut self, id: usize) {
        let name = self.assemblies[id].name.clone();
        if self.jit_mode == JitMode::Always {
            log::binding(|| format!("{name}: images ignored (--jit always)"));
            self.assemblies[id].no_image = "images are ignored under --jit always".into();
            return;
        }
        let candidates = self
            .image_index
            .get(&name.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default();
        if candidates.is_empty() {
            log::binding(|| format!("{name}: no native image found"));
            self.assemblies[id].no_image = if self.image_dirs.is_empty() {
                "no image directories to search".to_string()
            } else {
                let dirs: Vec<String> = self
                    .image_dirs
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect();
                format!("no native image for {name} under {}", dirs.join(", "))
            };
            return;
        }
        let mut reasons = Vec::new();
        for candidate in candidates {
            match self.try_image(id, &candidate) {
                Ok(()) => {
                    log::binding(|| format!("{name}: using image {}", candidate.display()));
                    return;
                }
                Err(reason) => {
                    log::binding(|| {
                        format!("{name}: rejected image {}: {reason}", candidate.display())
                    });
                    reasons.push(format!("{} rejected: {reason}", candidate.display()));
                }
            }
        }
        self.assemblies[id].no_image = reasons.join("; ");
    }

    fn try_image(&mut self, id: usize, path: &Path) -> Result<(), String> {
        let search_root = self.image_dirs.iter().find(|d| path.starts_with(d));
        let (opened, mut header) = open_image(search_root.map(PathBuf::as_path), path)?;
        {
            let a = &self.assemblies[id];
            validate_own(
                &header,
                &a.name,
                a.mvid,
                a.metadata.row_count(TableId::MethodDef),
                self.scenario,
            )?;
        }
        for stamp in &header.references {
            let bound = self
                .bind_by_name(id, &stamp.name)
                .map_err(|e| format!("reference {} cannot be bound: {e}", stamp.name))?;
            let actual = ngen_image::mvid_hex(self.assemblies[bound].mvid);
            if actual != stamp.mvid {
                return Err(format!(
                    "dependency {} changed: image was compiled against MVID {}, {} has MVID {actual}",
                    stamp.name,
                    stamp.mvid,
                    self.assemblies[bound].path.display()
                ));
            }
        }
        self.check_hard_bindings(id, &header)?;
        let blake3 = verify_digest(&opened)?;
        // The image's generic contexts, as the runtime's (its types must load: the
        // references were validated above).
        // Each context: the runtime's context id and the assembly whose tokens its cells name.
        let mut contexts = vec![(0u32, id)];
        for entry in &header.contexts {
            let ctx = self
                .types
                .parse_context(&entry.type_args, &entry.method_args)
                .map_err(|e| format!("generic context of the image: {e}"))?;
            let home = if entry.assembly.is_empty() {
                id
            } else {
                self.assembly_named(id, &entry.assembly)?
            };
            contexts.push((self.generic_context(&ctx), home));
        }
        let context_of = |c: u32| -> Result<(u32, usize), String> {
            contexts
                .get(c as usize)
                .copied()
                .ok_or_else(|| format!("cell context {c} out of range"))
        };
        // Whose method each generic instance's code is: its context's assembly and rid, and
        // the context itself.
        let mut instance_owners = Vec::with_capacity(header.instances.len());
        for instance in &header.instances {
            let (context, home) = context_of(instance.context)?;
            instance_owners.push((home as u32, instance.token & 0x00ff_ffff, context));
        }
        // Shared code follows the instances: the image's own generic MethodDefs, for any
        // instance (no context).
        instance_owners.extend(
            header
                .shared
                .iter()
                .map(|e| (id as u32, e.token & 0x00ff_ffff, 0)),
        );
        let mut image = map(opened, &header, id, instance_owners.into_boxed_slice())?;
        image.blake3 = blake3;
        // Generic instances the image holds: method-table entries after the MethodDefs, by
        // (defining assembly, MethodDef rid, runtime context); the type system's instance is
        // made only when something calls it (mscorlib holds 11,000 instances, and making each
        // one at load was a third of a hello world's instructions).
        for (i, entry) in header.instances.iter().enumerate() {
            let slot = header.method_rows + i as u32 + 1;
            let Some(code) = image.method(slot) else {
                continue;
            };
            let (context, home) = context_of(entry.context)?;
            self.image_instances
                .insert((home, Token(entry.token).rid(), context), code);
        }
        // Canonical shared code of the image's own generic MethodDefs, with its dictionary
        // layout (the kind, token and aux of image cells) and its canonical form (an image
        // context, or 0 over `System.Object` alone), used for instances no image holds.
        let shared_base = header.method_rows + header.instances.len() as u32 + 1;
        for (j, entry) in header.shared.iter().enumerate() {
            let Some(code) = image.method(shared_base + j as u32) else {
                continue;
            };
            let slots: Option<Vec<CellKey>> = entry
                .dictionary
                .iter()
                .map(|&i| {
                    let cell = header.cells.get(i as usize)?;
                    Some(CellKey {
                        kind: CellKind::from_u32(cell.kind)?,
                        token: cell.token,
                        aux: cell.aux,
                        context: 0,
                    })
                })
                .collect();
            let Some(slots) = slots else {
                return Err(format!(
                    "shared code of method 0x{:08x} names a cell the image lacks",
                    entry.token
                ));
            };
            let form = match entry.context {
                0 => 0,
                c => context_of(c)?.0,
            };
            self.shared_code.insert(
                (id, Token(entry.token).rid(), form),
                SharedCode {
                    code,
                    register: entry.register,
                    slots,
                },
            );
        }
        // The cells are described when first resolved (`image_cells`).
        let mut cells = std::mem::take(&mut header.cells);
        cells.truncate(image.cell_count);
        image_cells::add(image_cells::ImageCells::new(image.cells, cells, contexts)?);
        let a = &mut self.assemblies[id];
        a.excluded = header
            .excluded
            .into_iter()
            .map(|e| (e.token, e.reason))
            .collect();
        a.image = Some(image);
        Ok(())
    }

    /// Checks that every image `header` is hard-bound to is the image mapped for that
    /// dependency now, byte for byte (its BLAKE3): the dependent calls into its code directly
    /// and the dynamic loader binds it by soname when the dependent is mapped, so the
    /// dependency's image must be mapped first and be exactly the one compiled against.
    fn check_hard_bindings(
        &mut self,
        id: usize,
        header: &ngen_image::ImageHeader,
    ) -> Result<(), String> {
        for binding in &header.hard_bindings {
            let dep = match self.loaded_named(&binding.name) {
                Some(dep) => dep,
                None => self.bind_by_name(id, &binding.name).map_err(|e| {
                    format!(
                        "hard-bound dependency {} cannot be bound: {e}",
                        binding.name
                    )
                })?,
            };
            let a = &self.assemblies[dep];
            let mvid = ngen_image::mvid_hex(a.mvid);
            if mvid != binding.mvid {
                return Err(format!(
                    "hard-bound dependency {} changed: image was compiled against MVID {}, {} has MVID {mvid}",
                    binding.name,
                    binding.mvid,
                    a.path.display()
                ));
            }
            match &a.image {
                Some(image) if image.blake3 == binding.image_blake3 => {
                    log::binding(|| {
                        format!(
                            "{}: hard-bound to the image of {} (BLAKE3 {})",
                            self.assemblies[id].name,
                            binding.name,
                            short_digest(&binding.image_blake3)
                        )
                    });
                }
                Some(image) => {
                    return Err(format!(
                        "the image of {} it is hard-bound to changed: compiled against image BLAKE3 {}, the image of {} in use has BLAKE3 {}",
                        binding.name,
                        short_digest(&binding.image_blake3),
                        binding.name,
                        short_digest(&image.blake3)
                    ));
                }
                None => {
                    let why = if a.no_image.is_empty() {
                        "none is mapped".to_string()
                    } else {
                        a.no_image.clone()
                    };
                    return Err(format!(
                        "hard-bound to the image of {}, which has no valid image in this run ({why})",
                        binding.name
                    ));
                }
            }
        }
        Ok(())
    }

    /// The loaded assembly whose simple name is `name`.
    fn loaded_named(&self, name: &str) -> Option<usize> {
        self.assemblies
            .iter()
            .position(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Binds the reference named `name` of assembly `id` and loads it.
    fn bind_by_name(&mut self, id: usize, name: &str) -> Result<usize, String> {
        let a = &self.assemblies[id];
        let reference = a
            .references
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(name))
            .cloned()
            .ok_or_else(|| format!("{} does not reference {name}", a.name))?;
        self.bind(id, &reference)
    }

    /// Binds `name` as a reference of the program would bind (the AppBase, its
    /// `privatePath`s, the GAC and framework for strong names) and loads it.
    fn bind_for_program(&mut self, name: &str) -> Result<usize, String> {
        let wanted = AssemblyName::parse(name).map_err(|e| e.to_string())?;
        let root = self.binder.root().identity.clone();
        let binding = self
            .binder
            .bind(&wanted, &root)
            .map_err(|e| e.to_string())?;
        self.load(&binding.path)
    }

    fn bind(&mut self, id: usize, reference: &AssemblyName) -> Result<usize, String> {
        let binding = self
            .binder
            .bind(reference, &self.assemblies[id].identity)
            .map_err(|e| e.to_string())?;
        self.load(&binding.path)
    }

    /// The generic context of id `id` ([`Runtime::generic_context`]); none for an unknown id.
    pub(crate) fn generic_context_of(&self, id: u32) -> GenericContext {
        self.generic_contexts
            .get(id as usize)
            .cloned()
            .unwrap_or_default()
    }

    /// The id of generic context `ctx` for cell descriptors (0 for none), interned.
    fn generic_context(&mut self, ctx: &GenericContext) -> u32 {
        if ctx.type_args.is_none() && ctx.method_args.is_none() {
            return 0;
        }
        let key: ContextKey = (
            ctx.type_args.as_ref().map(|a| a.to_vec()),
            ctx.method_args.as_ref().map(|a| a.to_vec()),
        );
        if let Some(&id) = self.generic_context_ids.get(&key) {
            return id;
        }
        let id = self.generic_contexts.len() as u32;
        self.generic_contexts.push(ctx.clone());
        self.generic_context_ids.insert(key, id);
        id
    }

    fn string(&mut self, id: usize, token: u32) -> Result<u64, String> {
        if let Some(s) = self.strings.get(&(id, token)) {
            return Ok(*s);
        }
        let chars = self.assemblies[id]
            .metadata
            .user_string(Token(token).rid())
            .map_err(|e| format!("bad string token 0x{token:08x}: {e}"))?;
        if chars.is_empty() {
            // Mono interns `String.Empty`, so the literal `""` is that object.
            let s = crate::alloc::empty_string() as u64;
            self.strings.insert((id, token), s);
            return Ok(s);
        }
        let s = crate::alloc::alloc_string(&chars) as u64;
        // Literals live as long as the process, as Mono's interned literals do per domain. This
        // map is Rust heap, which the collector does not scan, so the literal is also rooted.
        crate::gc_roots::root_forever(s);
        self.strings.insert((id, token), s);
        Ok(s)
    }
}

struct Host<'a> {
    asm: usize,
    /// The generic context of the method instance being compiled (0: none).
    generics: u32,
    cells: &'a mut HashMap<JitCellKey, usize>,
}

impl JitHost for Host<'_> {
    fn cell(&mut self, key: CellKey) -> *mut ImportCell {
        let (asm, generics) = (self.asm, self.generics);
        *self
            .cells
            .entry((asm, key.kind as u32, key.token, key.aux, generics))
            .or_insert_with(|| {
                // JIT cells hold references (string literals), so they live in memory the
                // collector scans; they are never freed, like an image's cells.
                let cell = crate::gc_roots::alloc_cell();
                let desc = new_cell_key_in(asm, key.kind, key.token, key.aux, generics, None);
                // SAFETY: `cell` is a fresh, writable, zeroed ImportCell.
                unsafe { (*cell).key = desc };
                cell as usize
            }) as *mut ImportCell
    }

    fn helper_table(&self) -> *const u64 {
        crate::helpers::jit_table()
    }

    fn profile_hooks(&self) -> bool {
        crate::profile::hooks_enabled()
    }

    fn debug_code(&self) -> bool {
        crate::gdb_jit::debug_scenario()
    }
}
