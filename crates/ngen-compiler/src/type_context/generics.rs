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
use crate::types::{IlType, MethodShape, ValKind};

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

    /// Whether the type a type token of `asm` names (in this context) is a reference type:
    /// `constrained. T callvirt` on a reference `T` dereferences the address and calls as
    /// `callvirt` does (ECMA-335 III.2.1).
    pub fn is_reference_type(&self, asm: &Assembly, token: Token) -> bool {
        self.il_type_of(asm, token) == Ok(IlType::Val(ValKind::Ref))
    }

    /// The ILAsm-style name of method instance `handle` (`G<int32>::M<string>`), for messages.
    pub fn method_instance_name(&self, handle: MethodHandle) -> String {
        match self.lock() {
            Ok(inner) => inner.ts.method_name(handle),
            Err(_) => "<method>".to_string(),
        }
    }

    /// Every method instance of the owner of `handle` (when the owner is a generic type
    /// instance) that has IL: what an object of it may run through its vtable, interface
    /// map or `.cctor`. Generic methods of it are left out (their arguments come from calls).
    pub fn methods_of_owner_instance(&self, handle: MethodHandle) -> Vec<MethodInstance> {
        let owner = match self.lock() {
            Ok(inner) => inner.ts.method(handle).owner,
            Err(_) => return Vec::new(),
        };
        self.methods_of_type_instance(owner)
    }

    /// Every method instance of the generic type instance `ty` that has IL (see
    /// [`TypeContext::methods_of_owner_instance`]); empty for any other type.
    pub fn methods_of_type_instance(&self, ty: TypeHandle) -> Vec<MethodInstance> {
        let handles: Vec<MethodHandle> = {
            let Ok(mut inner) = self.lock() else {
                return Vec::new();
            };
            let ts = &mut inner.ts;
            if !matches!(ts.kind(ty), ngen_typesystem::TypeKind::Inst(..)) || !ts.is_closed(ty) {
                return Vec::new();
            }
            let Ok(methods) = ts.methods(ty) else {
                return Vec::new();
            };
            methods
                .iter()
                .copied()
                .filter(|&m| {
                    let desc = ts.method(m);
                    let has_body = !desc.is_abstract()
                        && desc.impl_flags
                            & ngen_metadata::flags::method_impl_attributes::CODE_TYPE_MASK
                            == 0
                        && desc.impl_flags
                            & ngen_metadata::flags::method_impl_attributes::INTERNAL_CALL
                            == 0;
                    let generic_method = ts
                        .method_signature(m)
                        .is_ok_and(|s| s.generic_param_count != 0);
                    has_body && !generic_method
                })
                .collect()
        };
        handles
            .into_iter()
            .filter_map(|m| self.method_instance_of(m).ok())
            .collect()
    }

    /// The generic type instance owning the static field `token` of `asm` names, if it is one.
    pub fn static_field_owner_instance(&self, asm: &Assembly, token: Token) -> Option<TypeHandle> {
        let mut inner = self.lock().ok()?;
        let (_, desc) = inner.field(asm, token).ok()?;
        matches!(
            inner.ts.kind(desc.owner),
            ngen_typesystem::TypeKind::Inst(..)
        )
        .then_some(desc.owner)
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

    /// The generic types the core library instantiates by reflection when the owner of
    /// `handle` is used: `EqualityComparer<T>.Default` builds a `GenericEqualityComparer<T>`
    /// or an `ObjectEqualityComparer<T>` (`NullableEqualityComparer<U>` for `T = U?`), and
    /// `Comparer<T>.Default` their `Comparer` counterparts (`CreateInstanceForAnotherGenericParameter`).
    /// No IL names them, so an image's scan adds them here, as Mono's AOT compiler does.
    pub fn reflection_companions(&self, handle: MethodHandle) -> Vec<TypeHandle> {
        const COMPANIONS: &[(&str, &[&str], &str)] = &[
            (
                "EqualityComparer`1",
                &["GenericEqualityComparer`1", "ObjectEqualityComparer`1"],
                "NullableEqualityComparer`1",
            ),
            (
                "Comparer`1",
                &["GenericComparer`1", "ObjectComparer`1"],
                "NullableComparer`1",
            ),
        ];
        let Ok(mut inner) = self.lock() else {
            return Vec::new();
        };
        let ts = &mut inner.ts;
        let owner = ts.method(handle).owner;
        let ngen_typesystem::TypeKind::Inst(def, args) = ts.kind(owner).clone() else {
            return Vec::new();
        };
        let Ok(info) = ts.class_info(def) else {
            return Vec::new();
        };
        let corlib = ts.corlib();
        if info.module != corlib || info.namespace != "System.Collections.Generic" {
            return Vec::new();
        }
        let Some((_, companions, nullable)) = COMPANIONS.iter().find(|c| c.0 == info.name) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut instantiate = |ts: &mut ngen_typesystem::TypeSystem, name: &str, arg| {
            if let Ok(Some(def)) = ts.find_type(corlib, "System.Collections.Generic", name)
                && let Ok(ty) = ts.instantiate(def, &[arg])
            {
                out.push(ty);
            }
        };
        for name in companions.iter() {
            instantiate(ts, name, args[0]);
        }
        if let Some(underlying) = value_types::nullable_underlying(ts, args[0]) {
            instantiate(ts, nullable, underlying);
        }
        out
    }

    /// The method a vector `T[]` runs for the generic-interface method `interface_method`
    /// (`IList<T>`, `ICollection<T>`, `IEnumerable<T>`, `IReadOnlyList<T>`,
    /// `IReadOnlyCollection<T>` of the core library): `System.Array`'s generic helper
    /// `InternalArray__[<interface>_]<method><T>`, named as Mono's `generic_array_methods`
    /// (`mono/metadata/class-init.c`) maps them; `T` is the interface's argument (covariant
    /// arrays included). `None` for any other method.
    pub fn array_interface_helper(&self, interface_method: MethodHandle) -> Option<MethodHandle> {
        const PREFIXES: &[(&str, &str)] = &[
            ("IList`1", "InternalArray__"),
            ("ICollection`1", "InternalArray__ICollection_"),
            ("IEnumerable`1", "InternalArray__IEnumerable_"),
            ("IReadOnlyList`1", "InternalArray__IReadOnlyList_"),
            (
                "IReadOnlyCollection`1",
                "InternalArray__IReadOnlyCollection_",
            ),
        ];
        let mut inner = self.lock().ok()?;
        let ts = &mut inner.ts;
        let desc = ts.method(interface_method).clone();
        let ngen_typesystem::TypeKind::Inst(def, args) = ts.kind(desc.owner).clone() else {
            return None;
        };
        let info = ts.class_info(def).ok()?;
        if info.module != ts.corlib() || info.namespace != "System.Collections.Generic" {
            return None;
        }
        let prefix = PREFIXES.iter().find(|p| p.0 == info.name)?.1;
        let wanted = format!("{prefix}{}", desc.name);
        let array = ts.well_known(ngen_typesystem::WellKnownType::Array).ok()?;
        let helper = ts
            .methods(array)
            .ok()?
            .iter()
            .copied()
            .find(|&m| ts.method(m).name == wanted)?;
        // Most are generic over the element type; a few (`..._get_Count`) are not.
        let generic = ts
            .method_signature(helper)
            .is_ok_and(|s| s.generic_param_count != 0);
        if generic {
            ts.instantiate_method(helper, &args[..1]).ok()
        } else {
            Some(helper)
        }
    }

    /// The overrides in the classes of `asm` of the generic virtual method instance `handle`
    /// (`Base::M<int>` gives `Derived::M<int>` for each class of `asm` that overrides `M<>`):
    /// what a call through `InterfaceTarget` may run, for an image's scan. Empty unless
    /// `handle` is a virtual method with method arguments.
    pub fn generic_virtual_overrides(
        &self,
        asm: &Assembly,
        handle: MethodHandle,
    ) -> Vec<MethodInstance> {
        let found: Vec<MethodHandle> = {
            let Ok(mut inner) = self.lock() else {
                return Vec::new();
            };
            let desc = inner.ts.method(handle).clone();
            if !desc.is_virtual() || desc.method_args.is_empty() {
                return Vec::new();
            }
            let Ok(module) = inner.module_of(asm) else {
                return Vec::new();
            };
            let ts = &mut inner.ts;
            let mut found = Vec::new();
            for rid in 1..=asm.row_count(ngen_metadata::TableId::TypeDef) {
                let Ok(ty) = ts.type_def(module, rid) else {
                    continue;
                };
                let generic_or_interface = ts
                    .class_info(ty)
                    .map(|i| i.generic_param_count != 0 || i.is_interface())
                    .unwrap_or(true);
                if generic_or_interface || !ts.is_assignable_to(ty, desc.owner).unwrap_or(false) {
                    continue;
                }
                if let Ok(Some(m)) = ts.resolve_generic_virtual(ty, handle)
                    && m != handle
                {
                    found.push(m);
                }
            }
            found
        };
        found
            .into_iter()
            .filter_map(|m| self.method_instance_of(m).ok())
            .collect()
    }

    /// The assembly named `name` as this type system loaded it.
    pub fn assembly_named(&self, name: &str) -> Result<std::sync::Arc<Assembly>, String> {
        let mut inner = self.lock()?;
        let module = inner.ts.load_module(name).map_err(|e| e.to_string())?;
        Ok(inner.ts.assembly_shared(module))
    }

    /// The type handle of the owner of method instance `handle`.
    pub fn owner_of(&self, handle: MethodHandle) -> Result<TypeHandle, String> {
        Ok(self.lock()?.ts.method(handle).owner)
    }
}
