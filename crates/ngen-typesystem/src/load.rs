//! Loading: modules through the [`crate::ModuleResolver`], and every way metadata names a type
//! or member turned into a handle: TypeDef, TypeRef (nested, and forwarded through
//! ExportedType), TypeSpec, MemberRef, MethodSpec, and signature blobs.
//!
//! Model: ECMA-335 II.22.38 (TypeRef resolution scopes), II.22.14 (ExportedType forwarders),
//! II.22.25 (MemberRef: matched by name and signature on the parent, as Mono's
//! `find_method_in_class` does, walking up the parents). Signatures are compared "open": the
//! MemberRef's signature and the candidate definition's signature both keep `!n`/`!!n`.
//! Depends on [`crate::desc`], `crate::members` and ngen-metadata.

use std::collections::BTreeMap;
use std::sync::Arc;

use ngen_metadata::flags::type_attributes;
use ngen_metadata::resolve::MemberRefSig;
use ngen_metadata::signature::CallConv;
use ngen_metadata::{Assembly, MetadataError, MethodSig, TableId, Token, TypeSig};

use crate::desc::{GenericContext, MethodSignature, Primitive, TypeKind};
use crate::error::{Result, TypeSystemError};
use crate::handle::{FieldHandle, MethodHandle, ModuleId, TypeHandle};
use crate::name_index::NameIndexBuilder;
use crate::{ModuleData, TypeSystem};

/// How many forwarders or nesting levels we follow before calling the metadata cyclic.
const MAX_CHAIN: u32 = 64;

impl TypeSystem {
    /// The module of the assembly whose simple name is `name`, loading it on first use.
    pub fn load_module(&mut self, name: &str) -> Result<ModuleId> {
        let key = name.to_ascii_lowercase();
        if let Some(&id) = self.module_names.get(&key) {
            return Ok(id);
        }
        let assembly = match self.resolver.resolve(name) {
            None => {
                return Err(TypeSystemError::AssemblyNotFound {
                    name: name.to_string(),
                    reason: "the resolver does not know it".to_string(),
                });
            }
            Some(Err(e)) => {
                return Err(TypeSystemError::BadImage {
                    assembly: name.to_string(),
                    source: Arc::new(e),
                });
            }
            Some(Ok(a)) => a,
        };
        let id = self.add_assembly(assembly)?;
        self.module_names.insert(key, id);
        Ok(id)
    }

    /// Adds an assembly the caller opened itself (a program, a test fixture). Later references
    /// to its simple name bind to it.
    pub fn add_assembly(&mut self, assembly: Assembly) -> Result<ModuleId> {
        let name = match assembly.assembly_row() {
            Ok(row) => row.name.to_string(),
            Err(e) => {
                return Err(TypeSystemError::BadImage {
                    assembly: "<unnamed module>".to_string(),
                    source: Arc::new(e),
                });
            }
        };
        if let Some(&id) = self.module_names.get(&name.to_ascii_lowercase()) {
            return Ok(id);
        }
        let id = ModuleId(self.modules.len() as u32);
        self.modules.push(ModuleData {
            assembly: Arc::new(assembly),
            name: name.clone(),
            type_index: None,
            exported_index: None,
            assembly_refs: BTreeMap::new(),
        });
        self.module_names.insert(name.to_ascii_lowercase(), id);
        Ok(id)
    }

    /// The assembly behind a module.
    pub fn assembly(&self, module: ModuleId) -> &Assembly {
        &self.modules[module.at()].assembly
    }

    /// The assembly behind a module, shared (for users that read its IL after the lock).
    pub fn assembly_shared(&self, module: ModuleId) -> std::sync::Arc<Assembly> {
        std::sync::Arc::clone(&self.modules[module.at()].assembly)
    }

    /// The assembly's simple name.
    pub fn module_name(&self, module: ModuleId) -> &str {
        &self.modules[module.at()].name
    }

    /// Wraps a metadata error as a `BadImageFormatException`-style error of `module`.
    pub(crate) fn bad_image(&self, module: ModuleId, e: MetadataError) -> TypeSystemError {
        TypeSystemError::BadImage {
            assembly: self.module_name(module).to_string(),
            source: Arc::new(e),
        }
    }

    pub(crate) fn invalid(&self, module: ModuleId, reason: impl Into<String>) -> TypeSystemError {
        TypeSystemError::InvalidReference {
            assembly: self.module_name(module).to_string(),
            reason: reason.into(),
        }
    }

    /// Runs a metadata read on `module`'s assembly, mapping its error.
    pub(crate) fn md<T>(
        &self,
        module: ModuleId,
        f: impl FnOnce(&Assembly) -> Result<T, MetadataError>,
    ) -> Result<T> {
        f(self.assembly(module)).map_err(|e| self.bad_image(module, e))
    }

    /// The type of TypeDef row `rid` of `module`.
    pub fn type_def(&mut self, module: ModuleId, rid: u32) -> Result<TypeHandle> {
        let count = self.assembly(module).row_count(TableId::TypeDef);
        if rid == 0 || rid > count {
            return Err(self.invalid(module, format!("TypeDef rid {rid} is out of range")));
        }
        Ok(self.intern(TypeKind::Def(module, rid)))
    }

    /// A top-level type of `module` by namespace and name, following type forwarders.
    pub fn find_type(
        &mut self,
        module: ModuleId,
        namespace: &str,
        name: &str,
    ) -> Result<Option<TypeHandle>> {
        self.find_type_depth(module, namespace, name, 0)
    }

    fn find_type_depth(
        &mut self,
        module: ModuleId,
        namespace: &str,
        name: &str,
        depth: u32,
    ) -> Result<Option<TypeHandle>> {
        if depth > MAX_CHAIN {
            return Err(self.invalid(
                module,
                format!("type forwarders of {namespace}.{name} loop"),
            ));
        }
        self.build_indexes(module)?;
        let data = &self.modules[module.at()];
        let asm = &data.assembly;
        let def = match &data.type_index {
            Some(index) => index.find(namespace, name, |rid| {
                asm.type_def(rid)
                    .map(|r| r.namespace == namespace && r.name == name)
            }),
            None => Ok(None),
        };
        if let Some(rid) = def.map_err(|e| self.bad_image(module, e))? {
            return Ok(Some(self.intern(TypeKind::Def(module, rid))));
        }
        let exported = match &data.exported_index {
            Some(index) => index.find(namespace, name, |rid| {
                asm.exported_type(rid)
                    .map(|r| r.namespace == namespace && r.name == name)
            }),
            None => Ok(None),
        };
        let Some(exported) = exported.map_err(|e| self.bad_image(module, e))? else {
            return Ok(None);
        };
        let implementation = self.md(module, |a| {
            a.exported_type(exported).map(|r| r.implementation)
        })?;
        match implementation.table() {
            Some(TableId::AssemblyRef) => {
                let target = self.assembly_ref_module(module, implementation.rid())?;
                self.find_type_depth(target, namespace, name, depth + 1)
            }
            _ => Err(self.type_load(
                module,
                &qualify(namespace, name),
                "the type lives in another module of a multi-module assembly, which is not supported",
            )),
        }
    }

    fn build_indexes(&mut self, module: ModuleId) -> Result<()> {
        if self.modules[module.at()].type_index.is_some() {
            return Ok(());
        }
        let asm = Arc::clone(&self.modules[module.at()].assembly);
        let mut types = NameIndexBuilder::default();
        for rid in 1..=asm.row_count(TableId::TypeDef) {
            let row = asm.type_def(rid).map_err(|e| self.bad_image(module, e))?;
            if row.flags & type_attributes::VISIBILITY_MASK < type_attributes::NESTED_PUBLIC {
                types.add(row.namespace, row.name, rid);
            }
        }
        let mut exported = NameIndexBuilder::default();
        for rid in 1..=asm.row_count(TableId::ExportedType) {
            let row = asm
                .exported_type(rid)
                .map_err(|e| self.bad_image(module, e))?;
            // Nested exported types have an ExportedType implementation; they are found
            // through their enclosing type's module.
            if row.implementation.table() != Some(TableId::ExportedType) {
                exported.add(row.namespace, row.name, rid);
            }
        }
        let (types, exported) = (types.build(), exported.build());
        let data = &mut self.modules[module.at()];
        data.type_index = Some(types);
        data.exported_index = Some(exported);
        Ok(())
    }

    /// The module an AssemblyRef row of `module` binds to.
    pub(crate) fn assembly_ref_module(&mut self, module: ModuleId, rid: u32) -> Result<ModuleId> {
        if let Some(&m) = self.modules[module.at()].assembly_refs.get(&rid) {
            return Ok(m);
        }
        let name = self.md(module, |a| a.assembly_ref(rid).map(|r| r.name.to_string()))?;
        let target = self.load_module(&name)?;
        self.modules[module.at()].assembly_refs.insert(rid, target);
        Ok(target)
    }

    /// A nested type of the definition `enclosing` by name.
    pub(crate) fn find_nested(
        &mut self,
        enclosing: TypeHandle,
        name: &str,
    ) -> Result<Option<TypeHandle>> {
        let TypeKind::Def(module, rid) = *self.kind(enclosing) else {
            return Ok(None);
        };
        let nested = self.md(module, |a| a.nested_types_of(rid))?;
        for n in nested {
            if self.md(module, |a| a.type_def(n).map(|r| r.name == name))? {
                return Ok(Some(self.intern(TypeKind::Def(module, n))));
            }
        }
        Ok(None)
    }

    pub(crate) fn type_load(
        &self,
        module: ModuleId,
        type_name: &str,
        reason: &str,
    ) -> TypeSystemError {
        TypeSystemError::TypeLoad {
            type_name: type_name.to_string(),
            assembly: self.module_name(module).to_string(),
            reason: reason.to_string(),
        }
    }

    /// Resolves a TypeDef, TypeRef or TypeSpec token of `module` in generic context `ctx`.
    pub fn resolve_type(
        &mut self,
        module: ModuleId,
        token: Token,
        ctx: &GenericContext,
    ) -> Result<TypeHandle> {
        match token.table() {
            Some(TableId::TypeDef) => self.type_def(module, token.rid()),
            Some(TableId::TypeRef) => self.resolve_type_ref(module, token.rid(), 0),
            Some(TableId::TypeSpec) => {
                let sig = self.md(module, |a| a.type_spec_sig(token.rid()))?;
                self.type_from_sig(module, &sig, ctx)
            }
            _ => Err(self.invalid(module, format!("token {token} does not name a type"))),
        }
    }

    fn resolve_type_ref(&mut self, module: ModuleId, rid: u32, depth: u32) -> Result<TypeHandle> {
        if depth > MAX_CHAIN {
            return Err(self.invalid(module, "nested TypeRefs loop"));
        }
        let (scope, namespace, name) = self.md(module, |a| {
            a.type_ref(rid).map(|r| {
                (
                    r.resolution_scope,
                    r.namespace.to_string(),
                    r.name.to_string(),
                )
            })
        })?;
        let full = qualify(&namespace, &name);
        let found = match scope.table() {
            Some(TableId::TypeRef) if !scope.is_null() => {
                let outer = self.resolve_type_ref(module, scope.rid(), depth + 1)?;
                self.find_nested(outer, &name)?
            }
            Some(TableId::AssemblyRef) if !scope.is_null() => {
                let target = self.assembly_ref_module(module, scope.rid())?;
                match self.find_type(target, &namespace, &name)? {
                    Some(t) => Some(t),
                    None => return Err(self.type_load(target, &full, "no such type")),
                }
            }
            // Module, ModuleRef or a null scope: this module (multi-module assemblies are
            // not supported; a null scope means "look in ExportedType", which find_type does).
            _ => self.find_type(module, &namespace, &name)?,
        };
        found.ok_or_else(|| self.type_load(module, &full, "no such type"))
    }

    /// The type a signature names, in generic context `ctx`. Custom modifiers and `pinned`
    /// are dropped (they do not change type identity for layout, slots or casting).
    pub fn type_from_sig(
        &mut self,
        module: ModuleId,
        sig: &TypeSig,
        ctx: &GenericContext,
    ) -> Result<TypeHandle> {
        use TypeSig as S;
        let primitive = |p| Some(p);
        let prim = match sig {
            S::Void => primitive(Primitive::Void),
            S::Boolean => primitive(Primitive::Boolean),
            S::Char => primitive(Primitive::Char),
            S::I1 => primitive(Primitive::I1),
            S::U1 => primitive(Primitive::U1),
            S::I2 => primitive(Primitive::I2),
            S::U2 => primitive(Primitive::U2),
            S::I4 => primitive(Primitive::I4),
            S::U4 => primitive(Primitive::U4),
            S::I8 => primitive(Primitive::I8),
            S::U8 => primitive(Primitive::U8),
            S::R4 => primitive(Primitive::R4),
            S::R8 => primitive(Primitive::R8),
            S::I => primitive(Primitive::I),
            S::U => primitive(Primitive::U),
            _ => None,
        };
        if let Some(p) = prim {
            return self.primitive_type(p);
        }
        Ok(match sig {
            S::String => self.well_known(crate::WellKnownType::String)?,
            S::Object => self.well_known(crate::WellKnownType::Object)?,
            S::TypedByRef => self.well_known(crate::WellKnownType::TypedReference)?,
            S::Class(t) | S::ValueType(t) => self.resolve_type(module, *t, ctx)?,
            S::SzArray(e) => {
                let e = self.type_from_sig(module, e, ctx)?;
                self.sz_array_of(e)
            }
            S::Array { element, rank, .. } => {
                if *rank == 0 || *rank > 32 {
                    return Err(self.invalid(module, format!("array rank {rank} is out of range")));
                }
                let e = self.type_from_sig(module, element, ctx)?;
                self.array_of(e, *rank)
            }
            S::Ptr(t) => {
                let t = self.type_from_sig(module, t, ctx)?;
                self.pointer_of(t)
            }
            S::ByRef(t) => {
                let t = self.type_from_sig(module, t, ctx)?;
                self.byref_of(t)
            }
            S::GenericInst { generic, args, .. } => {
                let def = self.resolve_type(module, *generic, ctx)?;
                let args = args
                    .iter()
                    .map(|a| self.type_from_sig(module, a, ctx))
                    .collect::<Result<Vec<_>>>()?;
                self.instantiate(def, &args)?
            }
            S::Var(i) => match &ctx.type_args {
                None => self.type_var(*i),
                Some(args) => *args.get(*i as usize).ok_or_else(|| {
                    self.invalid(
                        module,
                        format!(
                            "!{i} is out of range of the type's {} arguments",
                            args.len()
                        ),
                    )
                })?,
            },
            S::MVar(i) => match &ctx.method_args {
                None => self.method_var(*i),
                Some(args) => *args.get(*i as usize).ok_or_else(|| {
                    self.invalid(
                        module,
                        format!(
                            "!!{i} is out of range of the method's {} arguments",
                            args.len()
                        ),
                    )
                })?,
            },
            S::FnPtr(m) => {
                let sig = self.method_signature_from(module, m, ctx)?;
                self.intern(TypeKind::FnPtr(Arc::new(sig)))
            }
            S::Modified { inner, .. } | S::Pinned(inner) => {
                self.type_from_sig(module, inner, ctx)?
            }
            S::Internal | S::Sentinel => {
                return Err(self.invalid(
                    module,
                    "a signature holds ELEMENT_TYPE_INTERNAL or a stray sentinel",
                ));
            }
            _ => unreachable!("primitives are handled above"),
        })
    }

    /// A method signature with every type resolved in `ctx`. For a vararg call site, only the
    /// fixed parameters (before the sentinel) are kept.
    pub fn method_signature_from(
        &mut self,
        module: ModuleId,
        sig: &MethodSig,
        ctx: &GenericContext,
    ) -> Result<MethodSignature> {
        let fixed = sig.sentinel.unwrap_or(sig.params.len());
        let ret = self.type_from_sig(module, &sig.ret, ctx)?;
        let params = sig.params[..fixed]
            .iter()
            .map(|p| self.type_from_sig(module, p, ctx))
            .collect::<Result<Vec<_>>>()?;
        let (call_conv, generic_param_count) = match sig.call_conv {
            CallConv::Default => (0, 0),
            CallConv::Generic(n) => (0, n),
            CallConv::C => (1, 0),
            CallConv::StdCall => (2, 0),
            CallConv::ThisCall => (3, 0),
            CallConv::FastCall => (4, 0),
            CallConv::VarArg => (5, 0),
            CallConv::Unmanaged => (9, 0),
        };
        Ok(MethodSignature {
            has_this: sig.has_this,
            explicit_this: sig.explicit_this,
            call_conv,
            generic_param_count,
            ret,
            params: params.into(),
        })
    }

    /// The type a MemberRef's parent names (a type, or `<Module>` for a ModuleRef parent, or
    /// the owner of a MethodDef parent for vararg call sites).
    fn member_ref_parent(
        &mut self,
        module: ModuleId,
        parent: Token,
        ctx: &GenericContext,
    ) -> Result<TypeHandle> {
        match parent.table() {
            Some(TableId::ModuleRef) => self.type_def(module, 1),
            Some(TableId::MethodDef) => {
                let owner = self.md(module, |a| a.method_owner(parent.rid()))?;
                self.type_def(module, owner)
            }
            _ => self.resolve_type(module, parent, ctx),
        }
    }

    /// A MemberRef's resolved parent, name and (undecoded-context) signature.
    fn member_ref(
        &mut self,
        module: ModuleId,
        token: Token,
        ctx: &GenericContext,
    ) -> Result<(TypeHandle, String, MemberRefSig)> {
        let (parent, name, sig) = self.md(module, |a| {
            a.member_ref_parts(token.rid())
                .map(|p| (p.parent, p.name.to_string(), p.signature))
        })?;
        let parent = self.member_ref_parent(module, parent, ctx)?;
        Ok((parent, name, sig))
    }

    /// Resolves a MethodDef, MemberRef or MethodSpec token of `module` in context `ctx`.
    pub fn resolve_method(
        &mut self,
        module: ModuleId,
        token: Token,
        ctx: &GenericContext,
    ) -> Result<MethodHandle> {
        match token.table() {
            Some(TableId::MethodDef) => {
                let owner = self.md(module, |a| a.method_owner(token.rid()))?;
                let owner = self.type_def(module, owner)?;
                self.method_on(owner, token.rid())
            }
            Some(TableId::MemberRef) => {
                let (parent, name, sig) = self.member_ref(module, token, ctx)?;
                let MemberRefSig::Method(sig) = sig else {
                    return Err(self.invalid(
                        module,
                        format!("MemberRef {token} is a field, not a method"),
                    ));
                };
                let wanted = self.method_signature_from(module, &sig, &GenericContext::none())?;
                self.find_method_by_sig(parent, &name, &wanted)?
                    .ok_or_else(|| TypeSystemError::MissingMethod {
                        type_name: self.type_name(parent),
                        method: name.clone(),
                    })
            }
            Some(TableId::MethodSpec) => {
                let row = self.md(module, |a| a.method_spec(token.rid()))?;
                let generic = self.resolve_method(module, row.method, ctx)?;
                let args = self.md(module, |a| a.method_spec_sig(token.rid()))?;
                let args = args
                    .0
                    .iter()
                    .map(|a| self.type_from_sig(module, a, ctx))
                    .collect::<Result<Vec<_>>>()?;
                self.instantiate_method(generic, &args)
            }
            _ => Err(self.invalid(module, format!("token {token} does not name a method"))),
        }
    }

    /// The method named `name` with open signature `wanted` on `owner` or its nearest parent.
    pub(crate) fn find_method_by_sig(
        &mut self,
        owner: TypeHandle,
        name: &str,
        wanted: &MethodSignature,
    ) -> Result<Option<MethodHandle>> {
        for t in self.ancestors(owner)? {
            for m in self.methods(t)?.iter().copied() {
                if self.method(m).name == name && *self.open_signature(m)? == *wanted {
                    return Ok(Some(m));
                }
            }
        }
        Ok(None)
    }

    /// Resolves a Field or MemberRef token of `module` in context `ctx`.
    pub fn resolve_field(
        &mut self,
        module: ModuleId,
        token: Token,
        ctx: &GenericContext,
    ) -> Result<FieldHandle> {
        match token.table() {
            Some(TableId::Field) => {
                let owner = self.md(module, |a| a.field_owner(token.rid()))?;
                let owner = self.type_def(module, owner)?;
                self.field_on(owner, token.rid())
            }
            Some(TableId::MemberRef) => {
                let (parent, name, sig) = self.member_ref(module, token, ctx)?;
                let MemberRefSig::Field(sig) = sig else {
                    return Err(self.invalid(
                        module,
                        format!("MemberRef {token} is a method, not a field"),
                    ));
                };
                let wanted = self.type_from_sig(module, &sig.ty, &GenericContext::none())?;
                for t in self.ancestors(parent)? {
                    for f in self.fields(t)?.iter().copied() {
                        if self.field(f).name == name && self.open_field_type(f)? == wanted {
                            return Ok(f);
                        }
                    }
                }
                Err(TypeSystemError::MissingField {
                    type_name: self.type_name(parent),
                    field: name,
                })
            }
            _ => Err(self.invalid(module, format!("token {token} does not name a field"))),
        }
    }
}

/// `Namespace.Name`, or `Name` when the namespace is empty.
pub(crate) fn qualify(namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        name.to_string()
    } else {
        format!("{namespace}.{name}")
    }
}
