//! Static-field cells: where a static field lives.
//!
//! Every static, mscorlib's included, lives in per-type areas the runtime allocates on first
//! access (`ngen-typesystem`'s `statics_layout`), after which the type's `.cctor` is started
//! once. `String.Empty` is set before any managed code runs, as Mono does. A `[ThreadStatic]`
//! field's cell resolves to a descriptor of its per-thread place ([`crate::threads::statics`]).
//!
//! Depends on: the parent module's state, [`crate::alloc`] (the empty string),
//! [`crate::gc_roots`].

use ngen_compiler::type_context::StaticFieldStorage;
use ngen_metadata::{TableId, Token};

use super::{Runtime, TypeStatics};

impl Runtime {
    /// The storage address of the static field `token` (Field or MemberRef) of assembly `id`.
    pub(super) fn static_field(&mut self, id: usize, token: u32) -> Result<u64, String> {
        let token = Token(token);
        let storage = self
            .types
            .static_field(&self.assemblies[id].metadata, token)?
            .ok_or_else(|| format!("static field 0x{:08x} has no storage", token.0))?;
        self.typed_static(id, &storage)
    }

    /// Sets mscorlib's `String.Empty` to the runtime's empty string, as Mono's
    /// `create_domain_objects` sets it before any managed code runs (`String` has no `.cctor`
    /// that would).
    pub(super) fn set_string_empty(&mut self, corlib: usize) -> Result<(), String> {
        let md = &self.assemblies[corlib].metadata;
        let string = md
            .find_type_def("System", "String")
            .map_err(|e| e.to_string())?
            .ok_or("System.String not found")?;
        let empty = md
            .find_field(string, "Empty")
            .map_err(|e| e.to_string())?
            .ok_or("System.String::Empty not found")?;
        let slot = self.static_field(corlib, Token::new(TableId::Field, empty).0)?;
        // SAFETY: `slot` is the typed field's 8-byte slot in String's (scanned) static area.
        unsafe { (slot as *mut u64).write(crate::alloc::empty_string() as u64) };
        Ok(())
    }

    /// A class-init cell (type `token` of assembly `id`): the type's static areas exist and its
    /// `.cctor` has been started (now, if not before); resolves to 1.
    pub(super) fn class_init(&mut self, id: usize, token: u32) -> Result<u64, String> {
        let storage = self
            .types
            .type_statics(&self.assemblies[id].metadata, Token(token))?;
        self.typed_static(id, &storage)?;
        Ok(1)
    }

    /// The address of a static field of assembly `id` with storage (a thread static's descriptor):
    /// its type's
    /// areas are allocated on first access (`alloc_uncollectable`: the GC area holds roots),
    /// and the type's `.cctor`, if any, is started then, once ([`Runtime::pending_cctor`]); the
    /// cell waits for it ([`Runtime::cell_type`], [`crate::threads::type_init`]).
    fn typed_static(&mut self, id: usize, storage: &StaticFieldStorage) -> Result<u64, String> {
        let owner = self.assembly_named(id, &storage.owner_assembly)?;
        // One storage per type: per instantiation for a generic type (ECMA-335 II.9.5).
        let key = storage.owner;
        if !self.statics.contains_key(&key) {
            let area = |size: u32| {
                crate::gc_roots::alloc_static_area(size)
                    .ok_or_else(|| "out of memory for static fields".to_string())
            };
            let statics = TypeStatics {
                gc: area(storage.gc_size)?,
                non_gc: area(storage.non_gc_size)?,
            };
            match (storage.cctor, storage.cctor_rid) {
                (Some(cctor), _) => {
                    self.pending_cctor = Some(self.instance_code_of(cctor)?);
                }
                (None, Some(rid)) => {
                    self.pending_cctor = Some(self.method_code(owner, rid)?);
                }
                (None, None) => {}
            }
            if self.pending_cctor.is_some() {
                self.pending_cctor_type = crate::eh::raise::type_initializer_name(
                    &self.assemblies[owner].metadata,
                    storage.owner_type_rid,
                );
            }
            if self.pending_cctor.is_some() {
                crate::threads::type_init::begin(key.index());
            }
            self.statics.insert(key, statics);
        }
        if storage.cctor.is_some() || storage.cctor_rid.is_some() {
            self.cell_type = Some(key.index());
        }
        if storage.thread_static {
            // Per thread: the cell holds a descriptor the `ThreadStaticAddress` helper reads.
            return crate::threads::statics::descriptor(
                key.index(),
                (storage.thread_gc_size, storage.thread_non_gc_size),
                storage.in_gc_area,
                storage.offset,
            );
        }
        let statics = &self.statics[&key];
        let base = if storage.in_gc_area {
            statics.gc
        } else {
            statics.non_gc
        };
        Ok(base + u64::from(storage.offset))
    }
}

/// `RuntimeHelpers.RunClassConstructor(IntPtr type)` (`type` is `RuntimeTypeHandle.Value`,
/// here the type's method table): the type's static areas exist and its `.cctor` has run,
/// as the first access of one of its statics would do it (now, if it had not run; after
/// another thread's run finishes, if one is running). An exception of the `.cctor` is left
/// pending as a `TypeInitializationException`, as Mono's `mono_runtime_class_init_full`
/// raises it. A type without a TypeDef of its own (an array) has nothing to run.
pub(crate) fn run_class_constructor(method_table: u64) {
    let mut rt = super::lock();
    if let Err(e) = rt.start_class_constructor(method_table) {
        drop(rt);
        super::fatal(&format!("RuntimeHelpers.RunClassConstructor: {e}"));
    }
    if let Some(ty) = super::run_pending_cctor(rt) {
        super::settle_type(ty);
    }
}

impl Runtime {
    /// The class-init of the type whose method table is `method_table` (a generic
    /// instance's resolved in the context of its type arguments).
    fn start_class_constructor(&mut self, method_table: u64) -> Result<(), String> {
        let ty = self
            .type_of_table(method_table)
            .ok_or_else(|| format!("no type has the method table 0x{method_table:x}"))?;
        let Some((assembly, rid)) = self.types.type_def_of(ty)? else {
            return Ok(());
        };
        let id = self.assembly_named(0, &assembly)?;
        let token = Token::new(TableId::TypeDef, rid).0;
        let args = self.types.generic_arguments(ty)?;
        if args.is_empty() {
            return self.class_init(id, token).map(drop);
        }
        // The TypeDef of a generic class, checked in a context holding its arguments, is
        // that instantiation (`TypeContext::type_statics`).
        let context = ngen_compiler::runtime_types::GenericContext {
            type_args: Some(args.into()),
            method_args: None,
        };
        let instance = self.types.in_context(context);
        let outer = std::mem::replace(&mut self.types, instance);
        let result = self.class_init(id, token);
        self.types = outer;
        result.map(drop)
    }
}
