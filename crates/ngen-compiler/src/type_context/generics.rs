//! Method instances: the one identity of a compiled generic body, and the questions the
//! compiler and the runtime ask about it.
//!
//! ## Model
//! Full specialisation (issue 7's decision): every compiled body is one concrete method
//! instance, all `!n`/`!!n` substituted. A [`MethodInstance`] is (defining assembly,
//! MethodDef rid, the owner's type arguments, the method's own arguments); in a process its
//! arguments are interned [`TypeHandle`]s of the shared type system, so the instance is also
//! a [`MethodHandle`]. The translator compiles an instance through a [`TypeContext`] handle
//! made [`TypeContext::in_context`] of the instance's [`GenericContext`], so every token it
//! asks about (`call !0::Foo`, `newobj List<!!0>`, `ldsfld G<!0>::x`) resolves for that
//! instance. No `__Canon` sharing yet: [`MethodInstance::code_key`] is the one place that
//! would decide which instances share code.
//!
//! Depends on: ngen-typesystem, [`super::TypeContext`]. Citations: ECMA-335 II.9.4
//! (instantiation), crossgen2's `InstantiatedMethod`.

use ngen_metadata::signature::TypeSig;
use ngen_metadata::{Assembly, Token};
use ngen_typesystem::{GenericContext, MethodHandle, TypeHandle};

use super::{TypeContext, value_types};
use crate::types::{IlType, MethodShape};

/// One concrete method instance (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodInstance {
    /// The instance in the shared type system.
    pub handle: MethodHandle,
    /// The simple name of the assembly defining the method.
    pub assembly: String,
    /// The MethodDef rid in that assembly.
    pub rid: u32,
    /// The owner's type arguments and the method's own arguments (both `None` for a method
    /// that is not generic in any way).
    pub generics: GenericContext,
}

impl MethodInstance {
    /// Whether the body depends on generic arguments (else it is the plain MethodDef).
    pub fn is_generic(&self) -> bool {
        self.generics.type_args.is_some() || self.generics.method_args.is_some()
    }

    /// The key code is compiled and cached under: the instance itself (full specialisation;
    /// a shared `__Canon` body would map several instances to one key here).
    pub fn code_key(&self) -> MethodHandle {
        self.handle
    }
}

impl TypeContext {
    /// What a signature type of `asm` (a `valuetype`, `G<args>`, `!n` or `!!n`) is to the
    /// translator, in this handle's generic context.
    pub fn il_type_of_sig(&self, asm: &Assembly, sig: &TypeSig) -> Result<IlType, String> {
        let mut inner = self.lock()?;
        let module = inner.module_of(asm)?;
        let generics = inner.generics.clone();
        let ty = inner
            .ts
            .type_from_sig(module, sig, &generics)
            .map_err(|e| e.to_string())?;
        value_types::il_type(&mut inner.ts, ty)
    }

    /// The method instance a MethodDef, MemberRef or MethodSpec `token` of `asm` names, in
    /// this handle's generic context; an error when it is still open (`!n` left).
    pub fn method_instance(&self, asm: &Assembly, token: Token) -> Result<MethodInstance, String> {
        let mut inner = self.lock()?;
        let (method, _) = inner.method(asm, token)?;
        drop(inner);
        self.method_instance_of(method)
    }

    /// The generic method instance a method token of `asm` names in this handle's context,
    /// when it is one: a member of a generic type instance, a generic method instance, or any
    /// method reached from a generic instance's code. Plain methods are `None` cheaply (no
    /// type-system query for a MethodDef or a MemberRef of a plain type outside a context).
    pub fn generic_instance(&self, asm: &Assembly, token: Token) -> Option<MethodInstance> {
        use ngen_metadata::TableId;
        let in_context = self.generics.type_args.is_some() || self.generics.method_args.is_some();
        let may_be_generic = in_context
            || match token.table() {
                Some(TableId::MethodSpec) => true,
                Some(TableId::MemberRef) => asm
                    .member_ref_parts(token.rid())
                    .is_ok_and(|p| p.parent.table() == Some(TableId::TypeSpec)),
                _ => false,
            };
        if !may_be_generic {
            return None;
        }
        self.method_instance(asm, token)
            .ok()
            .filter(MethodInstance::is_generic)
    }

    /// The method instance `handle` is.
    pub fn method_instance_of(&self, handle: MethodHandle) -> Result<MethodInstance, String> {
        let inner = self.lock()?;
        let ts = &inner.ts;
        let desc = ts.method(handle);
        let generics = ts.method_context(handle);
        let open = generics
            .type_args
            .iter()
            .chain(generics.method_args.iter())
            .flat_map(|args| args.iter())
            .any(|&a| !ts.is_closed(a));
        if open {
            return Err(format!(
                "the open generic method {}",
                ts.method_name(handle)
            ));
        }
        Ok(MethodInstance {
            handle,
            assembly: ts.module_name(desc.module).to_string(),
            rid: desc.rid,
            generics,
        })
    }

    /// The calling-convention shape of the method `token` of `asm` names, from its
    /// instantiated signature (generic instances and generic methods included).
    pub fn method_shape_of(&self, asm: &Assembly, token: Token) -> Result<MethodShape, String> {
        let mut inner = self.lock()?;
        let (method, _) = inner.method(asm, token)?;
        drop(inner);
        self.shape_of_handle(method)
    }

    /// The calling-convention shape of MethodDef `rid` of `asm` as the instance this handle's
    /// context names, and whether its `this` is an object reference (an instance method of
    /// a class, not of a value type).
    pub fn instance_method_shape(
        &self,
        asm: &Assembly,
        rid: u32,
    ) -> Result<(MethodShape, bool), String> {
        let mut inner = self.lock()?;
        let module = inner.module_of(asm)?;
        let owner = asm.method_owner(rid).map_err(|e| e.to_string())?;
        let generics = inner.generics.clone();
        let ts = &mut inner.ts;
        let def = ts.type_def(module, owner).map_err(|e| e.to_string())?;
        let method = ts
            .method_instance_in(def, rid, &generics)
            .map_err(|e| e.to_string())?;
        let owner = ts.method(method).owner;
        let is_class = !ts
            .class_info(owner)
            .map_err(|e| e.to_string())?
            .is_value_type();
        drop(inner);
        let shape = self.shape_of_handle(method)?;
        let this_is_object = shape.has_this && is_class;
        Ok((shape, this_is_object))
    }

    fn shape_of_handle(&self, method: MethodHandle) -> Result<MethodShape, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let sig = ts.method_signature(method).map_err(|e| e.to_string())?;
        match sig.call_conv {
            0 => {}
            5 => return Err("vararg method".into()),
            other => return Err(format!("unmanaged calling convention {other}")),
        }
        if sig.explicit_this {
            return Err("explicit this".into());
        }
        let void = ts
            .well_known(ngen_typesystem::WellKnownType::Primitive(
                ngen_typesystem::Primitive::Void,
            ))
            .ok();
        let ret = if Some(sig.ret) == void {
            None
        } else {
            Some(value_types::il_type(ts, sig.ret)?)
        };
        let params = sig
            .params
            .iter()
            .map(|&p| value_types::il_type(ts, p))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(MethodShape {
            has_this: sig.has_this,
            params,
            ret,
        })
    }

    /// The ILAsm-style name of method instance `handle` (`G<int32>::M<string>`), for messages.
    pub fn method_instance_name(&self, handle: MethodHandle) -> String {
        match self.lock() {
            Ok(inner) => inner.ts.method_name(handle),
            Err(_) => "<method>".to_string(),
        }
    }

    /// `generics` as serialized type names (type arguments, method arguments) for an image
    /// header, and how deeply its arguments nest.
    pub fn serialize_context(
        &self,
        generics: &GenericContext,
    ) -> Result<(Vec<String>, Vec<String>, u32), String> {
        let inner = self.lock()?;
        let ts = &inner.ts;
        let mut depth = 0;
        let mut names =
            |args: &Option<std::sync::Arc<[TypeHandle]>>| -> Result<Vec<String>, String> {
                args.iter()
                    .flat_map(|a| a.iter())
                    .map(|&t| {
                        depth = depth.max(ts.nesting_depth(t));
                        ts.serialize_type(t).map_err(|e| e.to_string())
                    })
                    .collect()
            };
        let type_args = names(&generics.type_args)?;
        let method_args = names(&generics.method_args)?;
        Ok((type_args, method_args, depth))
    }

    /// The generic context an image header's serialized names describe.
    pub fn parse_context(
        &self,
        type_args: &[String],
        method_args: &[String],
    ) -> Result<GenericContext, String> {
        let mut inner = self.lock()?;
        let mut parse = |names: &[String]| -> Result<Option<std::sync::Arc<[TypeHandle]>>, String> {
            if names.is_empty() {
                return Ok(None);
            }
            let handles = names
                .iter()
                .map(|n| inner.ts.parse_type(n).map_err(|e| e.to_string()))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Some(handles.into()))
        };
        Ok(GenericContext {
            type_args: parse(type_args)?,
            method_args: parse(method_args)?,
        })
    }

    /// The method instance of MethodDef `rid` of the assembly named `assembly` in `generics`.
    pub fn method_instance_in(
        &self,
        assembly: &str,
        rid: u32,
        generics: &GenericContext,
    ) -> Result<MethodInstance, String> {
        let handle = {
            let mut inner = self.lock()?;
            let ts = &mut inner.ts;
            let module = ts.load_module(assembly).map_err(|e| e.to_string())?;
            let owner = ts
                .assembly(module)
                .method_owner(rid)
                .map_err(|e| e.to_string())?;
            let def = ts.type_def(module, owner).map_err(|e| e.to_string())?;
            ts.method_instance_in(def, rid, generics)
                .map_err(|e| e.to_string())?
        };
        self.method_instance_of(handle)
    }

    /// The generic definition `ty` instantiates (`ty` itself for a definition) instantiated
    /// over `args`: `MakeGenericType`.
    pub fn instantiate_type(
        &self,
        ty: TypeHandle,
        args: &[TypeHandle],
    ) -> Result<TypeHandle, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let def = match ts.kind(ty) {
            ngen_typesystem::TypeKind::Inst(def, _) => *def,
            _ => ty,
        };
        let ty = ts.instantiate(def, args).map_err(|e| e.to_string())?;
        ts.class_info(ty).map_err(|e| e.to_string())?;
        Ok(ty)
    }

    /// The public parameterless instance constructor of `ty`, as a method of `ty`.
    pub fn default_constructor(&self, ty: TypeHandle) -> Result<MethodHandle, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        for &m in ts.methods(ty).map_err(|e| e.to_string())?.iter() {
            let desc = ts.method(m).clone();
            if desc.name == ".ctor"
                && !desc.is_static()
                && ts.method_signature(m).is_ok_and(|s| s.params.is_empty())
            {
                return Ok(m);
            }
        }
        Err(format!("{} has no default constructor", ts.type_name(ty)))
    }

    /// The canonical instantiation shared code of MethodDef `rid` of `asm` is compiled in:
    /// `System.Object` for each generic parameter of its owner and of its own, so layouts,
    /// signatures and field offsets are those of every instantiation over reference types
    /// (`backend/aot/shared.rs` keeps type-identity answers out of such code).
    pub fn canonical_context(&self, asm: &Assembly, rid: u32) -> Result<GenericContext, String> {
        use ngen_metadata::TableId;
        let count = |owner: Token| asm.generic_params_of(owner).map(|p| p.len());
        let owner = asm.method_owner(rid).map_err(|e| e.to_string())?;
        let type_params = count(Token::new(TableId::TypeDef, owner)).map_err(|e| e.to_string())?;
        let method_params =
            count(Token::new(TableId::MethodDef, rid)).map_err(|e| e.to_string())?;
        let object = {
            let mut inner = self.lock()?;
            inner
                .ts
                .well_known(ngen_typesystem::WellKnownType::Object)
                .map_err(|e| e.to_string())?
        };
        let args = |n: usize| (n > 0).then(|| std::sync::Arc::from(vec![object; n]));
        Ok(GenericContext {
            type_args: args(type_params),
            method_args: args(method_params),
        })
    }

    /// The canonical form shared code serves the instance of `generics` through (crossgen2's
    /// canonical form, mono's partial sharing): every reference-type argument replaced by
    /// `System.Object`, recursively inside generic value-type arguments (`Pair<string,int>`
    /// becomes `Pair<object,int>`: the same layout, every reference field being a pointer),
    /// value types kept exact. `None` when no argument holds a reference type (nothing to share,
    /// `List<int>`) or the type system fails.
    pub fn canonical_form(&self, generics: &GenericContext) -> Option<GenericContext> {
        let mut inner = self.lock().ok()?;
        let ts = &mut inner.ts;
        let object = ts.well_known(ngen_typesystem::WellKnownType::Object).ok()?;
        let mut shared = false;
        let mut canon = |args: &Option<std::sync::Arc<[TypeHandle]>>| -> Option<_> {
            let Some(args) = args else {
                return Some(None);
            };
            let mut out = Vec::with_capacity(args.len());
            for &a in args.iter() {
                let (ty, has_reference) = canonical_argument(ts, a, object, 0)?;
                shared |= has_reference;
                out.push(ty);
            }
            Some(Some(std::sync::Arc::from(out)))
        };
        let type_args = canon(&generics.type_args)?;
        let method_args = canon(&generics.method_args)?;
        shared.then_some(GenericContext {
            type_args,
            method_args,
        })
    }

    /// Whether every type argument of `generics` is a reference type (a class, interface,
    /// array or delegate), so canonical shared code serves the instance.
    pub fn all_reference_types(&self, generics: &GenericContext) -> bool {
        let Ok(mut inner) = self.lock() else {
            return false;
        };
        let args: Vec<TypeHandle> = generics
            .type_args
            .iter()
            .chain(generics.method_args.iter())
            .flat_map(|a| a.iter().copied())
            .collect();
        args.into_iter().all(|a| {
            matches!(
                value_types::il_type(&mut inner.ts, a),
                Ok(IlType::Val(crate::types::ValKind::Ref))
            )
        })
    }

    /// The assembly named `name` as this type system loaded it.
    pub fn assembly_named(&self, name: &str) -> Result<std::sync::Arc<Assembly>, String> {
        let mut inner = self.lock()?;
        let module = inner.ts.load_module(name).map_err(|e| e.to_string())?;
        Ok(inner.ts.assembly_shared(module))
    }
}

/// How deeply [`TypeContext::canonical_form`] follows generic value-type arguments: a deeper
/// nest is left exact, which only shares less.
const CANONICAL_DEPTH: u32 = 8;

/// The canonical form of type argument `ty` (see [`TypeContext::canonical_form`]) and whether
/// it held a reference type.
fn canonical_argument(
    ts: &mut ngen_typesystem::TypeSystem,
    ty: TypeHandle,
    object: TypeHandle,
    depth: u32,
) -> Option<(TypeHandle, bool)> {
    if matches!(
        value_types::il_type(ts, ty),
        Ok(IlType::Val(crate::types::ValKind::Ref))
    ) {
        return Some((object, true));
    }
    let ngen_typesystem::TypeKind::Inst(def, args) = ts.kind(ty).clone() else {
        return Some((ty, false));
    };
    if depth >= CANONICAL_DEPTH {
        return Some((ty, false));
    }
    let mut shared = false;
    let mut canonical = Vec::with_capacity(args.len());
    for &a in args.iter() {
        let (c, has_reference) = canonical_argument(ts, a, object, depth + 1)?;
        shared |= has_reference;
        canonical.push(c);
    }
    if !shared {
        return Some((ty, false));
    }
    let ty = ts.instantiate(def, &canonical).ok()?;
    ts.class_info(ty).ok()?;
    Some((ty, true))
}
