//! Method cells: which code a `call`, `callvirt` or method-table slot runs.
//!
//! A MethodDef of the program runs from its image, else the JIT. A method of mscorlib is
//! served, in order, by mscorlib's image, by an icall ([`crate::icalls`], for `InternalCall`
//! methods: Mono's C runtime), else by the JIT compiling mscorlib's own IL. `NGEN_LOG=binding`
//! says which. A MemberRef is resolved to its MethodDef by the type system (the `Math` calls
//! mono's JIT turns into instructions never get here: the compiler expands them).
//!
//! Depends on: the parent module's state, `ngen_compiler::{jit, runtime_types}`,
//! [`crate::icalls`].

use ngen_compiler::jit::Jit;
use ngen_compiler::runtime_types::{GenericContext, MethodHandle};
use ngen_compiler::type_context::MethodInstance;
use ngen_metadata::flags::method_impl_attributes::{CODE_TYPE_MASK, INTERNAL_CALL, RUNTIME};
use ngen_metadata::resolve::MemberRefSig;
use ngen_metadata::signature::{MethodSig, TypeSig};
use ngen_metadata::{TableId, Token};

use super::{Host, Runtime};
use crate::{JitMode, log};

impl Runtime {
    /// Entry point of MethodDef `rid` of assembly `id` (see the module documentation).
    pub(super) fn method_code(&mut self, id: usize, rid: u32) -> Result<u64, String> {
        if let Some(code) = self.code.get(&(id, rid)) {
            return Ok(*code);
        }
        let is_corlib = self.is_corlib(id);
        if is_corlib
            && let Some(code) = crate::icalls::managed_replacement(
                &ngen_compiler::method_display_name(&self.assemblies[id].metadata, rid),
            )
        {
            self.code.insert((id, rid), code);
            return Ok(code);
        }
        if let Some(code) = self.assemblies[id]
            .image
            .as_ref()
            .and_then(|i| i.method(rid))
        {
            if is_corlib {
                log::binding(|| {
                    let name =
                        ngen_compiler::method_display_name(&self.assemblies[id].metadata, rid);
                    format!("mscorlib: {name} from its image")
                });
            }
            self.code.insert((id, rid), code);
            return Ok(code);
        }
        if is_corlib && let Some(ctor) = self.string_ctor_redirect(id, rid) {
            // `newobj String::.ctor(args)` calls this cell as `string (args)`.
            let code = self.method_code(id, ctor)?;
            self.code.insert((id, rid), code);
            return Ok(code);
        }
        let runtime_implemented = self.assemblies[id]
            .metadata
            .method_def(rid)
            .is_ok_and(|m| m.impl_flags & CODE_TYPE_MASK == RUNTIME);
        if runtime_implemented {
            let assembly = self.assemblies[id].name.clone();
            let handle = self
                .types
                .method_instance_in(&assembly, rid, &GenericContext::default())?
                .handle;
            if let Some(code) = self.runtime_delegate_code(handle)? {
                self.code.insert((id, rid), code);
                return Ok(code);
            }
        }
        let a = &self.assemblies[id];
        let name = ngen_compiler::method_display_name(&a.metadata, rid);
        let impl_flags = a
            .metadata
            .method_def(rid)
            .map_err(|e| e.to_string())?
            .impl_flags;
        if impl_flags & INTERNAL_CALL != 0 {
            // An overloaded icall is listed under Mono's signature key, `Method(int&,int)`.
            let with_signature =
                crate::icalls::signature::described(&a.metadata, rid).and_then(|desc| {
                    let owner = name.rsplit_once("::").map_or("", |(t, _)| t);
                    crate::icalls::lookup(&format!("{owner}::{desc}"))
                });
            let code = match with_signature.or_else(|| crate::icalls::lookup(&name)) {
                Some(code) => {
                    log::binding(|| format!("{}: {name} is an icall of the runtime", a.name));
                    code
                }
                None => {
                    // Calling it raises a catchable MissingMethodException naming it (the
                    // stub passes the name, whatever the icall's signature).
                    log::binding(|| format!("{}: {name} is an icall this runtime lacks", a.name));
                    let named: &'static String = Box::leak(Box::new(name.clone()));
                    let thrower = crate::eh::raise::missing_icall as *const () as u64;
                    crate::stubs::bound_stub(thrower, named as *const String as u64)?
                }
            };
            self.code.insert((id, rid), code);
            return Ok(code);
        }
        if impl_flags & CODE_TYPE_MASK == RUNTIME {
            return Err(format!(
                "{name} is implemented by the runtime: compiled code expands a delegate's constructor and Invoke inline; reaching the constructor through a function pointer is not done yet"
            ));
        }
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
            // Mono's class libraries run from their images too: a manifest build leaves
            // framework assemblies to the JIT unless told otherwise, so say how.
            let hint = if a.image.is_none() {
                format!(
                    "; compile {} too (`compile-framework = true` in ngen.toml for framework assemblies, or `ngen-build compile` and `--images`)",
                    a.name
                )
            } else {
                String::new()
            };
            return Err(format!(
                "method {name} is not in a valid native image ({why}), and --jit never forbids JIT compilation{hint}"
            ));
        }
        let code = self.jit_compile(id, rid, &GenericContext::none(), &name)?;
        self.code.insert((id, rid), code);
        Ok(code)
    }

    /// JIT-compiles MethodDef `rid` of assembly `id` as the instance `generics` names (none:
    /// the plain method), its cells resolving in that context; `name` is for messages.
    fn jit_compile(
        &mut self,
        id: usize,
        rid: u32,
        generics: &GenericContext,
        name: &str,
    ) -> Result<u64, String> {
        let is_corlib = self.is_corlib(id);
        let context_id = self.generic_context(generics);
        let Runtime {
            jit,
            jit_cells,
            assemblies,
            types,
            ..
        } = self;
        let jit = match jit {
            Some(j) => j,
            // The JIT shares the runtime's type system, so the handles of method instances
            // (and the numbers) agree between the two.
            None => jit.insert(
                Jit::new(types.in_context(GenericContext::none()))
                    .map_err(|e| format!("cannot start the JIT: {e}"))?,
            ),
        };
        let mut host = Host {
            asm: id,
            generics: context_id,
            cells: jit_cells,
        };
        let (path, mvid) = (&assemblies[id].path, assemblies[id].mvid);
        jit.set_exact_il_offsets(crate::eh::source_lines::has_symbols(id, path, mvid));
        let code = jit
            .compile_instance(&assemblies[id].metadata, rid, generics, &mut host)
            .map_err(|reason| format!("cannot JIT-compile {name}: {reason}"))?
            as u64;
        let il_offsets = jit.last_il_offsets().trace_pairs();
        crate::code_map::add_jit(
            (id, rid, context_id),
            (code, jit.last_code_size()),
            name,
            &il_offsets,
        );
        crate::gdb_jit::register_jit_code(jit, &assemblies[id].path, assemblies[id].mvid);
        if is_corlib {
            log::binding(|| format!("mscorlib: {name} from IL (JIT-compiled)"));
        } else {
            log::binding(|| format!("{}: JIT-compiled {name}", assemblies[id].name));
        }
        Ok(code)
    }

    /// Entry point of the method instance `handle` (see [`Runtime::instance_code`]).
    pub(super) fn instance_code_of(&mut self, handle: MethodHandle) -> Result<u64, String> {
        if let Some(&code) = self.instance_code.get(&handle) {
            return Ok(code);
        }
        let instance = self.types.method_instance_of(handle)?;
        self.instance_code(&instance)
    }

    /// Entry point of a method instance: the plain method when it is not generic, else the
    /// code compiled for its arguments (full specialisation), by the JIT on first call.
    pub(super) fn instance_code(&mut self, instance: &MethodInstance) -> Result<u64, String> {
        let id = self.assembly_named(0, &instance.assembly)?;
        if !instance.is_generic() {
            return self.method_code(id, instance.rid);
        }
        let key = instance.code_key();
        if let Some(&code) = self.instance_code.get(&key) {
            return Ok(code);
        }
        let context = self.generic_context(&instance.generics);
        if let Some(code) = self.image_instances.remove(&(id, instance.rid, context)) {
            self.instance_code.insert(key, code);
            return Ok(code);
        }
        let name = self.types.method_instance_name(instance.handle);
        let md = &self.assemblies[id].metadata;
        let impl_flags = md
            .method_def(instance.rid)
            .map_err(|e| e.to_string())?
            .impl_flags;
        if impl_flags & CODE_TYPE_MASK == RUNTIME
            && let Some(code) = self.runtime_delegate_code(instance.handle)?
        {
            self.instance_code.insert(key, code);
            return Ok(code);
        }
        if impl_flags & INTERNAL_CALL != 0 || impl_flags & CODE_TYPE_MASK == RUNTIME {
            return Err(format!(
                "{name} is a generic method implemented by the runtime, which is not done yet"
            ));
        }
        // No image holds the instance exactly: its image's shared code, over reference types.
        if let Some(code) = self.shared_instance_code(id, instance)? {
            self.instance_code.insert(key, code);
            return Ok(code);
        }
        if self.jit_mode == JitMode::Never {
            return Err(format!(
                "the generic instance {name} is not in a native image (an image holds the instances its assembly's code reaches, and shared code only the canonical forms its images were compiled for), and --jit never forbids JIT compilation"
            ));
        }
        let code = self.jit_compile(id, instance.rid, &instance.generics, &name)?;
        self.instance_code.insert(key, code);
        Ok(code)
    }

    /// The generic method instance a call `token` of assembly `id` names in the current
    /// generic context, when it is one.
    fn generic_instance_of(&self, id: usize, token: Token) -> Option<MethodInstance> {
        self.types
            .generic_instance(&self.assemblies[id].metadata, token)
    }

    /// For a constructor of `System.String` (MethodDef `rid` of mscorlib `id`), the static
    /// `String::Ctor` with the same parameters that Mono runs instead
    /// (`mono_marshal_get_string_ctor_signature`, `mono/metadata/marshal.c`).
    fn string_ctor_redirect(&self, id: usize, rid: u32) -> Option<u32> {
        let md = &self.assemblies[id].metadata;
        let row = md.method_def(rid).ok()?;
        if row.name != ".ctor" {
            return None;
        }
        let owner = md.method_owner(rid).ok()?;
        let td = md.type_def(owner).ok()?;
        if td.namespace != "System" || td.name != "String" {
            return None;
        }
        let ctor = md.method_sig(row.signature).ok()?;
        md.find_method(owner, "Ctor", |s| {
            !s.has_this
                && s.params.len() == ctor.params.len()
                && s.params.iter().zip(&ctor.params).all(|(p, q)| p == q)
        })
        .ok()?
    }

    /// Whether assembly `id` is the core library.
    pub(super) fn is_corlib(&self, id: usize) -> bool {
        self.assemblies[id].name.eq_ignore_ascii_case("mscorlib")
    }

    /// Entry point for a `call` token of assembly `id`.
    pub(super) fn method_entry(&mut self, id: usize, token: Token) -> Result<u64, String> {
        if let Some(instance) = self.generic_instance_of(id, token) {
            return self.instance_code(&instance);
        }
        match token.table() {
            Some(TableId::MethodDef) => self.method_code(id, token.rid()),
            Some(TableId::MemberRef) => self.member_ref_entry(id, token.rid()),
            Some(TableId::MethodSpec) => {
                let instance = self
                    .types
                    .method_instance(&self.assemblies[id].metadata, token)?;
                self.instance_code(&instance)
            }
            _ => Err(format!("cannot call token 0x{:08x}", token.0)),
        }
    }

    /// `constrained. T callvirt M`: `T`'s implementation of `M`.
    pub(super) fn constrained_entry(
        &mut self,
        id: usize,
        method: u32,
        constraint: u32,
    ) -> Result<u64, String> {
        // The constraint type's own implementation (a generic parameter or instance resolved
        // in the cell's context, or a core-library value type), which takes the value's
        // address.
        let m = self.types.constrained_implementation(
            &self.assemblies[id].metadata,
            Token(method),
            Token(constraint),
        )?;
        match m.instance {
            Some(instance) => self.instance_code_of(instance),
            None => {
                let target = self.assembly_named(id, &m.assembly)?;
                self.method_code(target, m.rid)
            }
        }
    }

    /// The assembly defining a TypeRef/TypeDef of assembly `id`, with its namespace and name.
    pub(super) fn type_home(
        &mut self,
        id: usize,
        parent: Token,
    ) -> Result<(usize, String, String), String> {
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

    /// A method MemberRef of assembly `id`: the MethodDef it names (found by name and shape in
    /// another assembly of the program, else resolved by the type system).
    fn member_ref_entry(&mut self, id: usize, rid: u32) -> Result<u64, String> {
        let (parent, method_name, sig) = {
            let md = &self.assemblies[id].metadata;
            let parts = md.member_ref_parts(rid).map_err(|e| e.to_string())?;
            let MemberRefSig::Method(sig) = parts.signature else {
                return Err(format!("member reference {} is a field", parts.name));
            };
            (parts.parent, parts.name.to_string(), sig)
        };
        if let Ok((target, namespace, type_name)) = self.type_home(id, parent)
            && !self.is_corlib(target)
            && let Some(method_rid) =
                self.find_method(target, &namespace, &type_name, &method_name, &sig)
        {
            // Another assembly of the program: the MethodDef of the bound file, found by
            // name and signature shape, whatever the type system's resolver knows.
            return self.method_code(target, method_rid);
        }
        let token = Token::new(TableId::MemberRef, rid);
        let def = self
            .types
            .method_def_of(&self.assemblies[id].metadata, token)
            .map_err(|e| format!("calling {method_name}: {e}"))?;
        let target = self.assembly_named(id, &def.assembly)?;
        self.method_code(target, def.rid)
    }

    /// The MethodDef of `namespace.type_name::method_name` in assembly `target` whose
    /// signature has the shape of `sig` (a top-level type), if there is exactly one such.
    fn find_method(
        &self,
        target: usize,
        namespace: &str,
        type_name: &str,
        method_name: &str,
        sig: &MethodSig,
    ) -> Option<u32> {
        let md = &self.assemblies[target].metadata;
        let type_rid = md.find_type_def(namespace, type_name).ok()??;
        // The shape ignores which class a parameter is, so overloads that differ only there
        // (System.Xml's `XmlWriter.Create(Stream, ...)` and `Create(StringBuilder, ...)`)
        // all match: such a call is left to the type system, which compares the types.
        let mut shape_matches = 0;
        md.find_method(type_rid, method_name, |s| {
            shape_matches += usize::from(signatures_match(s, sig));
            false
        })
        .ok()?;
        if shape_matches != 1 {
            return None;
        }
        md.find_method(type_rid, method_name, |s| signatures_match(s, sig))
            .ok()?
    }

    /// The loaded assembly named `name`, else loaded through the references of assembly `id`
    /// or, failing that, of any loaded assembly.
    pub(super) fn assembly_named(&mut self, id: usize, name: &str) -> Result<usize, String> {
        if let Some(found) = self.loaded_named(name) {
            return Ok(found);
        }
        let first = self.bind_by_name(id, name);
        if first.is_ok() {
            return first;
        }
        for other in 0..self.assemblies.len() {
            if let Ok(found) = self.bind_by_name(other, name) {
                return Ok(found);
            }
        }
        // No loaded assembly references it: one the type system found by name
        // (`Type.GetType("T, Asm")`), bound where `Assembly.Load("Asm")` would find it.
        self.bind_for_program(name).or(first)
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
