//! The process-wide runtime: loaded assemblies and their images, the JIT, and resolution of
//! import cells (methods in images, JIT-compiled methods, BCL-surface methods, strings).
//!
//! Compiled code reaches [`resolve_cell`] through the `ResolveCell` helper; everything here
//! runs under one lock. A cell's `key` points at a leaked [`CellDesc`] naming the assembly
//! and token it refers to.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ngen_abi::image::{CellKey, CellKind, ImportCell};
use ngen_binder::{AssemblyName, Binder};
use ngen_compiler::corlib_refs::corlib_kind;
use ngen_compiler::jit::{Jit, JitHost};
use ngen_compiler::type_context::{MethodTableLayout, StaticFieldStorage, TypeContext};
use ngen_compiler::types::MethodShape;
use ngen_corlib::{CorlibFieldRef, CorlibMethodRef};
use ngen_metadata::resolve::MemberRefSig;
use ngen_metadata::signature::{MethodSig, TypeSig};
use ngen_metadata::{Assembly, TableId, Token};

use crate::images::{MappedImage, index_images, map, open_image, validate_own, verify_digest};
use crate::{JitMode, RunError, RunOptions, log};

/// What an import cell refers to (pointed to by the cell's `key`).
struct CellDesc {
    asm: usize,
    kind: CellKind,
    token: u32,
    aux: u32,
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
    image_index: BTreeMap<String, Vec<PathBuf>>,
    /// Where images were looked for (for error messages).
    image_dirs: Vec<PathBuf>,
    jit_mode: JitMode,
    scenario: ngen_abi::Scenario,
    assemblies: Vec<LoadedAsm>,
    by_path: HashMap<PathBuf, usize>,
    jit: Option<Jit>,
    code: HashMap<(usize, u32), u64>,
    strings: HashMap<(usize, u32), u64>,
    jit_cells: HashMap<(usize, u32, u32, u32), usize>,
    /// The type system, for the program's static fields (the JIT keeps its own; both compute
    /// the same numbers from the same files).
    types: TypeContext,
    /// Static storage of the program's types, by (assembly, TypeDef rid), allocated on first
    /// access.
    statics: BTreeMap<(usize, u32), TypeStatics>,
    /// Method tables of the program's classes, by (assembly, TypeDef rid), built on first
    /// `newobj` and never freed.
    method_tables: BTreeMap<(usize, u32), u64>,
    /// A `.cctor` to run once the lock is released (set while resolving a static-field cell).
    pending_cctor: Option<u64>,
}

/// The static storage areas of one type (present once its `.cctor` has been started).
struct TypeStatics {
    gc: u64,
    non_gc: u64,
}

static RUNTIME: OnceLock<Mutex<Runtime>> = OnceLock::new();

fn lock() -> std::sync::MutexGuard<'static, Runtime> {
    match RUNTIME.get() {
        Some(m) => m.lock().unwrap_or_else(|p| p.into_inner()),
        None => fatal("internal error: runtime used before it was started"),
    }
}

/// Calls `f` with the metadata of assembly `id`, unless the runtime is busy: exit handlers
/// (the call profile) must not wait for a lock that a stopped thread may hold.
pub(crate) fn try_with_metadata<R>(id: usize, f: impl FnOnce(&Assembly) -> R) -> Option<R> {
    let runtime = RUNTIME.get()?.try_lock().ok()?;
    runtime.assemblies.get(id).map(|a| f(&a.metadata))
}

/// Prints a fatal runtime error and ends the process (no managed frame can handle it).
pub(crate) fn fatal(message: &str) -> ! {
    ngen_corlib::flush_stdout();
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
    let types = TypeContext::over_directories(&[
        binder.app_base().to_path_buf(),
        binder.framework_dir().to_path_buf(),
    ]);
    let runtime = Runtime {
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
        strings: HashMap::new(),
        jit_cells: HashMap::new(),
        types,
        statics: BTreeMap::new(),
        method_tables: BTreeMap::new(),
        pending_cctor: None,
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
    // SAFETY: compiled code passes the address of one of its cells, whose key the runtime
    // set to a leaked CellDesc when it mapped the image or created the JIT cell.
    let desc = unsafe { &*((*cell).key as *const CellDesc) };
    let mut rt = lock();
    let result = match desc.kind {
        CellKind::Method => rt.method_entry(desc.asm, Token(desc.token)),
        CellKind::String => rt.string(desc.asm, desc.token),
        CellKind::ConstrainedMethod => rt.constrained_entry(desc.asm, desc.token, desc.aux),
        CellKind::StaticField => rt.static_field(desc.asm, desc.token),
        CellKind::MethodTable => rt.method_table(desc.asm, desc.token),
    };
    match result {
        Ok(target) => {
            let cctor = rt.pending_cctor.take();
            drop(rt);
            // SAFETY: as above; cells are writable data.
            unsafe { (*cell).target = target };
            if let Some(code) = cctor {
                // Managed code runs without the runtime lock (its calls resolve cells). The
                // cell is already set, so the cctor's own accesses see the storage, as ECMA-335
                // II.10.5.3.3 allows for the initialising thread.
                // SAFETY: `code` is compiled code of a static method with no parameters and
                // no result (a `.cctor`), SystemV.
                let f: extern "C" fn() = unsafe { std::mem::transmute(code as usize) };
                f();
            }
            target
        }
        Err(message) => {
            drop(rt);
            fatal(&message)
        }
    }
}

fn new_cell_key(asm: usize, kind: CellKind, token: u32, aux: u32) -> u64 {
    Box::leak(Box::new(CellDesc {
        asm,
        kind,
        token,
        aux,
    })) as *const CellDesc as u64
}

impl Runtime {
    /// Loads the assembly at `path` (once), with its image when one is valid.
    fn load(&mut self, path: &Path) -> Result<usize, String> {
        let key = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if let Some(id) = self.by_path.get(&key) {
            return Ok(*id);
        }
        let metadata = Assembly::open(path).map_err(|e| e.to_string())?;
        let manifest = self.binder.manifest(path).map_err(|e| e.to_string())?;
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
        if self.assemblies[id].name.eq_ignore_ascii_case("mscorlib") {
            log::binding(|| "mscorlib: served by the runtime's BCL surface (no image)".into());
        } else {
            self.attach_image(id);
        }
        Ok(id)
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
        let (opened, header) = open_image(search_root.map(PathBuf::as_path), path)?;
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
        verify_digest(&opened)?;
        let image = map(opened, &header, id)?;
        for (i, cell) in header.cells.iter().enumerate().take(image.cell_count) {
            let kind = CellKind::from_u32(cell.kind)
                .ok_or_else(|| format!("unknown cell kind {}", cell.kind))?;
            // SAFETY: i < cell_count; the cells are writable data of the mapped image.
            unsafe { (*image.cells.add(i)).key = new_cell_key(id, kind, cell.token, cell.aux) };
        }
        let a = &mut self.assemblies[id];
        a.excluded = header
            .excluded
            .into_iter()
            .map(|e| (e.token, e.reason))
            .collect();
        a.image = Some(image);
        Ok(())
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

    fn bind(&mut self, id: usize, reference: &AssemblyName) -> Result<usize, String> {
        let binding = self
            .binder
            .bind(reference, &self.assemblies[id].identity)
            .map_err(|e| e.to_string())?;
        self.load(&binding.path)
    }

    /// Entry point of MethodDef `rid` of assembly `id`: from its image, else the JIT.
    fn method_code(&mut self, id: usize, rid: u32) -> Result<u64, String> {
        if let Some(code) = self.code.get(&(id, rid)) {
            return Ok(*code);
        }
        if let Some(code) = self.assemblies[id]
            .image
            .as_ref()
            .and_then(|i| i.method(rid))
        {
            self.code.insert((id, rid), code);
            return Ok(code);
        }
        let a = &self.assemblies[id];
        let name = ngen_compiler::method_display_name(&a.metadata, rid);
        if self.jit_mode == JitMode::Never {
            let why = match (
                &a.image,
                a.excluded.get(&Token::new(TableId::MethodDef, rid).0),
            ) {
                (Some(_), Some(reason)) => {
                    format!("excluded from the image of {}: {reason}", a.name)
                }
                (Some(_), None) => format!("not in the image of {}", a.name),
                (None, _) => a.no_image.clone(),
            };
            return Err(format!(
                "method {name} is not in a valid native image ({why}), and --jit never forbids JIT compilation"
            ));
        }
        let Runtime {
            jit,
            jit_cells,
            assemblies,
            binder,
            ..
        } = self;
        let jit = match jit {
            Some(j) => j,
            None => {
                // The binder decides which file each name binds to; for type questions the
                // JIT probes the AppBase, then the framework, which is where it binds them.
                let types = TypeContext::over_directories(&[
                    binder.app_base().to_path_buf(),
                    binder.framework_dir().to_path_buf(),
                ]);
                jit.insert(Jit::new(types).map_err(|e| format!("cannot start the JIT: {e}"))?)
            }
        };
        let mut host = Host {
            asm: id,
            cells: jit_cells,
        };
        let code = jit
            .compile(&assemblies[id].metadata, rid, &mut host)
            .map_err(|reason| format!("cannot JIT-compile {name}: {reason}"))?
            as u64;
        crate::code_map::add_jit(id, rid, code, jit.last_code_size(), &name);
        log::binding(|| format!("{}: JIT-compiled {name}", assemblies[id].name));
        self.code.insert((id, rid), code);
        Ok(code)
    }

    /// Entry point for a `call` token of assembly `id`.
    fn method_entry(&mut self, id: usize, token: Token) -> Result<u64, String> {
        match token.table() {
            Some(TableId::MethodDef) => self.method_code(id, token.rid()),
            Some(TableId::MemberRef) => self.member_ref_entry(id, token.rid()),
            _ => Err(format!("cannot call token 0x{:08x}", token.0)),
        }
    }

    /// `constrained. T callvirt M`: `T`'s implementation of `M` (only the BCL's primitive
    /// value types until the object model exists).
    fn constrained_entry(
        &mut self,
        id: usize,
        method: u32,
        constraint: u32,
    ) -> Result<u64, String> {
        let (method_name, sig) = {
            let md = &self.assemblies[id].metadata;
            let token = Token(method);
            match token.table() {
                Some(TableId::MemberRef) => {
                    let parts = md
                        .member_ref_parts(token.rid())
                        .map_err(|e| e.to_string())?;
                    let MemberRefSig::Method(sig) = parts.signature else {
                        return Err(format!("member reference {} is a field", parts.name));
                    };
                    (parts.name.to_string(), sig)
                }
                Some(TableId::MethodDef) => {
                    let row = md.method_def(token.rid()).map_err(|e| e.to_string())?;
                    let sig = md.method_sig(row.signature).map_err(|e| e.to_string())?;
                    (row.name.to_string(), sig)
                }
                _ => return Err(format!("bad constrained call token 0x{method:08x}")),
            }
        };
        let (target, namespace, type_name) = self.type_home(id, Token(constraint))?;
        if self.assemblies[target]
            .name
            .eq_ignore_ascii_case("mscorlib")
        {
            return corlib_entry(&namespace, &type_name, &method_name, &sig);
        }
        Err(format!(
            "constrained call to {namespace}.{type_name}::{method_name} needs the object model"
        ))
    }

    /// The assembly defining a TypeRef/TypeDef of assembly `id`, with its namespace and name.
    fn type_home(&mut self, id: usize, parent: Token) -> Result<(usize, String, String), String> {
        match parent.table() {
            Some(TableId::TypeRef) => {
                let md = &self.assemblies[id].metadata;
                let tr = md.type_ref(parent.rid()).map_err(|e| e.to_string())?;
                let (ns, name) = (tr.namespace.to_string(), tr.name.to_string());
                match tr.resolution_scope.table() {
                    Some(TableId::AssemblyRef) => {
                        let index = tr.resolution_scope.rid() as usize;
                        let reference = self.assemblies[id]
                            .references
                            .get(index.wrapping_sub(1))
                            .cloned()
                            .ok_or_else(|| format!("bad AssemblyRef {index}"))?;
                        Ok((self.bind(id, &reference)?, ns, name))
                    }
                    Some(TableId::Module) | None => Ok((id, ns, name)),
                    _ => Err(format!("unsupported reference to nested type {ns}.{name}")),
                }
            }
            Some(TableId::TypeDef) => {
                let md = &self.assemblies[id].metadata;
                let td = md.type_def(parent.rid()).map_err(|e| e.to_string())?;
                Ok((id, td.namespace.to_string(), td.name.to_string()))
            }
            _ => Err(format!("unsupported type token 0x{:08x}", parent.0)),
        }
    }

    fn member_ref_entry(&mut self, id: usize, rid: u32) -> Result<u64, String> {
        let (parent, method_name, sig) = {
            let md = &self.assemblies[id].metadata;
            let parts = md.member_ref_parts(rid).map_err(|e| e.to_string())?;
            let MemberRefSig::Method(sig) = parts.signature else {
                return Err(format!("member reference {} is a field", parts.name));
            };
            (parts.parent, parts.name.to_string(), sig)
        };
        let (target, namespace, type_name) = self
            .type_home(id, parent)
            .map_err(|e| format!("{e} (calling {method_name})"))?;
        if self.assemblies[target]
            .name
            .eq_ignore_ascii_case("mscorlib")
        {
            return corlib_entry(&namespace, &type_name, &method_name, &sig);
        }
        let md = &self.assemblies[target].metadata;
        let type_rid = md
            .find_type_def(&namespace, &type_name)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| {
                format!(
                    "type {namespace}.{type_name} not found in {}",
                    self.assemblies[target].name
                )
            })?;
        let method_rid = md
            .find_method(type_rid, &method_name, |s| signatures_match(s, &sig))
            .map_err(|e| e.to_string())?
            .ok_or_else(|| {
                format!(
                    "method {namespace}.{type_name}::{method_name} not found in {}",
                    self.assemblies[target].name
                )
            })?;
        self.method_code(target, method_rid)
    }

    /// Storage address of the BCL static field named by field MemberRef `token` of assembly
    /// `id` (the compiler emits `ldsfld` only for those).
    fn static_field(&mut self, id: usize, token: u32) -> Result<u64, String> {
        let token = Token(token);
        match self
            .types
            .static_field(&self.assemblies[id].metadata, token)
        {
            Ok(Some(storage)) => return self.program_static(id, token, &storage),
            Ok(None) => {}
            Err(e) if token.table() != Some(TableId::MemberRef) => return Err(e),
            Err(_) => {}
        }
        if token.table() != Some(TableId::MemberRef) {
            return Err(format!(
                "ldsfld of token 0x{:08x} needs the object model",
                token.0
            ));
        }
        let (parent, field_name, ty) = {
            let md = &self.assemblies[id].metadata;
            let parts = md
                .member_ref_parts(token.rid())
                .map_err(|e| e.to_string())?;
            let MemberRefSig::Field(field) = parts.signature else {
                return Err(format!("member reference {} is not a field", parts.name));
            };
            (parts.parent, parts.name.to_string(), field.ty)
        };
        let (target, namespace, type_name) = self
            .type_home(id, parent)
            .map_err(|e| format!("{e} (loading field {field_name})"))?;
        let describe = || format!("{namespace}.{type_name}::{field_name}");
        if !self.assemblies[target]
            .name
            .eq_ignore_ascii_case("mscorlib")
        {
            return Err(format!(
                "static field {} is outside the BCL and needs the object model",
                describe()
            ));
        }
        let kind = corlib_kind(&ty).ok_or_else(|| {
            format!(
                "static field {} is not available in the runtime's BCL surface",
                describe()
            )
        })?;
        ngen_corlib::resolve_static_field(&CorlibFieldRef {
            namespace: &namespace,
            type_name: &type_name,
            field: &field_name,
            kind,
        })
        .map(|p| p as u64)
        .ok_or_else(|| {
            format!(
                "static field {} is not available in the runtime's BCL surface",
                describe()
            )
        })
    }

    /// The address of a static field of the program (`token` of assembly `id`): its type's
    /// areas are allocated on first access (`alloc_uncollectable`: the GC area holds roots),
    /// and the type's `.cctor`, if any, is started then, once ([`Runtime::pending_cctor`]).
    fn program_static(
        &mut self,
        id: usize,
        token: Token,
        storage: &StaticFieldStorage,
    ) -> Result<u64, String> {
        let owner = if self.assemblies[id]
            .name
            .eq_ignore_ascii_case(&storage.owner_assembly)
        {
            id
        } else {
            let parent = self.assemblies[id]
                .metadata
                .member_ref_parts(token.rid())
                .map_err(|e| e.to_string())?
                .parent;
            self.type_home(id, parent)?.0
        };
        let key = (owner, storage.owner_type_rid);
        if !self.statics.contains_key(&key) {
            let area = |size: u32| {
                crate::gc_roots::alloc_static_area(size)
                    .ok_or_else(|| "out of memory for static fields".to_string())
            };
            let statics = TypeStatics {
                gc: area(storage.gc_size)?,
                non_gc: area(storage.non_gc_size)?,
            };
            if let Some(rid) = storage.cctor_rid {
                self.pending_cctor = Some(self.method_code(owner, rid)?);
            }
            self.statics.insert(key, statics);
        }
        let statics = &self.statics[&key];
        let base = if storage.in_gc_area {
            statics.gc
        } else {
            statics.non_gc
        };
        Ok(base + u64::from(storage.offset))
    }

    /// The method table of the class whose constructor or type `token` of assembly `id` names
    /// (see `ngen_abi::object::METHOD_TABLE_SLOTS_OFFSET`): the parent's method table (0 for a
    /// core-library parent) and the slot count, then one import cell per vtable slot, keyed to the implementing MethodDef and
    /// resolved on first call like any method cell. A slot whose implementation lives in an
    /// assembly not loaded yet, or in the core library, gets a cell that fails clearly when
    /// called (the compiler does not dispatch to BCL-declared slots yet).
    fn method_table(&mut self, id: usize, token: u32) -> Result<u64, String> {
        let layout = self
            .types
            .method_table(&self.assemblies[id].metadata, Token(token))?;
        self.build_method_table(&layout)
    }

    /// The method table of `layout`'s class, built once (its parent's first).
    fn build_method_table(&mut self, layout: &MethodTableLayout) -> Result<u64, String> {
        let owner = self
            .loaded_named(&layout.owner_assembly)
            .ok_or_else(|| format!("assembly {} is not loaded", layout.owner_assembly))?;
        let key = (owner, layout.owner_type_rid);
        if let Some(&mt) = self.method_tables.get(&key) {
            return Ok(mt);
        }
        let parent = match &layout.parent {
            Some((assembly, rid)) => {
                let parent_layout = self.types.method_table_of_def(assembly, *rid)?;
                self.build_method_table(&parent_layout)?
            }
            None => 0,
        };
        let mut words: Vec<u64> = Vec::with_capacity(2 + 2 * layout.slots.len());
        words.push(parent);
        words.push(layout.slots.len() as u64);
        for (assembly, rid) in &layout.slots {
            let method = match self.loaded_named(assembly) {
                Some(impl_asm) if !assembly.eq_ignore_ascii_case("mscorlib") => {
                    (impl_asm, Token::new(TableId::MethodDef, *rid).0)
                }
                _ => (owner, 0),
            };
            words.push(0);
            words.push(new_cell_key(method.0, CellKind::Method, method.1, 0));
        }
        // The table holds code addresses and runtime keys only, never references: plain
        // leaked memory the collector need not scan.
        let mt = Box::leak(words.into_boxed_slice()).as_ptr() as u64;
        self.method_tables.insert(key, mt);
        Ok(mt)
    }

    /// The loaded assembly whose simple name is `name`.
    fn loaded_named(&self, name: &str) -> Option<usize> {
        self.assemblies
            .iter()
            .position(|a| a.name.eq_ignore_ascii_case(name))
    }

    fn string(&mut self, id: usize, token: u32) -> Result<u64, String> {
        if let Some(s) = self.strings.get(&(id, token)) {
            return Ok(*s);
        }
        let chars = self.assemblies[id]
            .metadata
            .user_string(Token(token).rid())
            .map_err(|e| format!("bad string token 0x{token:08x}: {e}"))?;
        let s = ngen_corlib::alloc_string(&chars) as u64;
        // Literals live as long as the process, as Mono's interned literals do per domain. This
        // map is Rust heap, which the collector does not scan, so the literal is also rooted.
        crate::gc_roots::root_forever(s);
        self.strings.insert((id, token), s);
        Ok(s)
    }
}

/// Structural signature equality across assemblies (class tokens differ between them).
fn signatures_match(a: &MethodSig, b: &MethodSig) -> bool {
    fn same(x: &TypeSig, y: &TypeSig) -> bool {
        match (x.unmodified(), y.unmodified()) {
            (TypeSig::Class(_), TypeSig::Class(_)) => true,
            (TypeSig::ValueType(_), TypeSig::ValueType(_)) => true,
            (TypeSig::SzArray(p), TypeSig::SzArray(q))
            | (TypeSig::ByRef(p), TypeSig::ByRef(q))
            | (TypeSig::Ptr(p), TypeSig::Ptr(q)) => same(p, q),
            (p, q) => p == q,
        }
    }
    a.has_this == b.has_this
        && a.params.len() == b.params.len()
        && same(&a.ret, &b.ret)
        && a.params.iter().zip(&b.params).all(|(p, q)| same(p, q))
}

fn corlib_entry(
    namespace: &str,
    type_name: &str,
    method: &str,
    sig: &MethodSig,
) -> Result<u64, String> {
    let describe = || {
        let params: Vec<String> = sig.params.iter().map(|p| format!("{p:?}")).collect();
        format!("{namespace}.{type_name}::{method}({})", params.join(", "))
    };
    let (Some(ret), Some(params)) = (
        corlib_kind(&sig.ret),
        sig.params
            .iter()
            .map(corlib_kind)
            .collect::<Option<Vec<_>>>(),
    ) else {
        return Err(format!(
            "method {} is not available in the runtime's BCL surface",
            describe()
        ));
    };
    let m = CorlibMethodRef {
        namespace,
        type_name,
        method,
        has_this: sig.has_this,
        params: &params,
        ret,
    };
    ngen_corlib::resolve(&m)
        .map(|p| p as u64)
        .ok_or_else(|| format!("method {m} is not available in the runtime's BCL surface"))
}

struct Host<'a> {
    asm: usize,
    cells: &'a mut HashMap<(usize, u32, u32, u32), usize>,
}

impl JitHost for Host<'_> {
    fn cell(&mut self, key: CellKey) -> *mut ImportCell {
        let asm = self.asm;
        *self
            .cells
            .entry((asm, key.kind as u32, key.token, key.aux))
            .or_insert_with(|| {
                // JIT cells hold references (string literals), so they live in memory the
                // collector scans; they are never freed, like an image's cells.
                let cell = crate::gc_roots::alloc_cell();
                // SAFETY: `cell` is a fresh, writable, zeroed ImportCell.
                unsafe { (*cell).key = new_cell_key(asm, key.kind, key.token, key.aux) };
                cell as usize
            }) as *mut ImportCell
    }

    fn helper_table(&self) -> *const u64 {
        crate::helpers::jit_table()
    }

    fn profile_hooks(&self) -> bool {
        crate::profile::hooks_enabled()
    }
}
