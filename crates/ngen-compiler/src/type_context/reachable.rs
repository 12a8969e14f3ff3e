//! What a generic method instance may run that its IL does not name, and what the AOT
//! scan of an image follows beyond calls (`backend/aot/instances.rs`): every method of a
//! generic type instance an object may run through its vtable, interface map or `.cctor`;
//! the comparers the core library builds by reflection (`EqualityComparer<T>.Default`);
//! `System.Array`'s helpers behind vectors' generic interfaces (also the runtime's interface
//! dispatch on vectors); the overrides of a generic virtual method.
//!
//! Depends on: ngen-typesystem, [`super::TypeContext`], [`super::generics`]. Citations: Mono
//! 6.8 `mono/metadata/class-init.c` (`generic_array_methods`), the core library's
//! `equalitycomparer.cs`/`comparer.cs` (`CreateComparer`).

use ngen_metadata::{Assembly, Token};
use ngen_typesystem::{MethodHandle, TypeHandle};

use super::{MethodInstance, TypeContext, value_types};

impl TypeContext {
    /// Every method instance of the owner of `handle` (when the owner is a generic type
    /// instance) that has IL and that an object of it may run without a call naming it:
    /// its virtual methods (vtable and interface map) and its `.cctor`. Other methods are
    /// added when a scanned body calls them, so an image does not spend its instance budget
    /// on `List<T>` methods nobody calls. Generic methods of it are left out (their arguments
    /// come from calls).
    pub fn methods_of_owner_instance(&self, handle: MethodHandle) -> Vec<MethodInstance> {
        let owner = match self.lock() {
            Ok(inner) => inner.ts.method(handle).owner,
            Err(_) => return Vec::new(),
        };
        self.methods_of_type_instance(owner)
    }

    /// What an object of the generic type instance `ty` that the core library creates by
    /// reflection may run: its implicit methods ([`TypeContext::methods_of_type_instance`])
    /// and its instance constructors, which `Activator`-style creation calls without IL
    /// naming them (`EqualityComparer<T>.Default` → `GenericEqualityComparer<T>..ctor`).
    pub fn reflected_methods_of_type_instance(&self, ty: TypeHandle) -> Vec<MethodInstance> {
        self.type_instance_methods(ty, true)
    }

    /// The method instances of the generic type instance `ty` that have IL and that run
    /// without a call naming them (see [`TypeContext::methods_of_owner_instance`]); empty for
    /// any other type.
    pub fn methods_of_type_instance(&self, ty: TypeHandle) -> Vec<MethodInstance> {
        self.type_instance_methods(ty, false)
    }

    /// The methods with IL of the generic type instance `ty` that run without a call naming
    /// them, and its instance constructors when `constructors`.
    fn type_instance_methods(&self, ty: TypeHandle, constructors: bool) -> Vec<MethodInstance> {
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
                    let implicit = desc.is_virtual()
                        || desc.name == ".cctor"
                        || (constructors && desc.name == ".ctor");
                    let generic_method = ts
                        .method_signature(m)
                        .is_ok_and(|s| s.generic_param_count != 0);
                    has_body && !generic_method && implicit
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

    /// The generic type instance `box` token `token` of `asm` names, if it is one: a boxed
    /// value type reaches its interface methods with no call naming them (`IBox<string> b =
    /// new ValBox<string>()` is `initobj` and `box`, no `newobj`).
    pub fn boxed_type_instance(&self, asm: &Assembly, token: Token) -> Option<TypeHandle> {
        let mut inner = self.lock().ok()?;
        let ty = inner.type_of(asm, token).ok()?;
        matches!(inner.ts.kind(ty), ngen_typesystem::TypeKind::Inst(..)).then_some(ty)
    }

    /// The generic types the core library instantiates by reflection when the owner of
    /// `handle` is used: `EqualityComparer<T>.Default` builds a `GenericEqualityComparer<T>`
    /// or an `ObjectEqualityComparer<T>` (`NullableEqualityComparer<U>` for `T = U?`, an
    /// enum comparer by size for an enum `T`), and
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
        if info.name == "EqualityComparer`1"
            && let Some(name) = enum_equality_comparer(ts, args[0])
        {
            instantiate(ts, name, args[0]);
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
    /// (`Base::M<int>` gives `Derived::M<int>` for each class of `asm` that overrides `M<>`;
    /// `Base<int>::M<int>` also gives `Derived<int>::M<int>` for a `Derived<T> : Base<T>`):
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
            // A generic class is tried over the owner's own type arguments when its arity is
            // theirs (System.Core's `WhereArrayIterator<T> : Iterator<T>` overriding
            // `Iterator<T>::Select<U>`): the common shape of a generic hierarchy.
            let owner_args = match ts.kind(desc.owner) {
                ngen_typesystem::TypeKind::Inst(_, args) => args.clone(),
                _ => Box::default(),
            };
            let mut found = Vec::new();
            for rid in 1..=asm.row_count(ngen_metadata::TableId::TypeDef) {
                let Ok(def) = ts.type_def(module, rid) else {
                    continue;
                };
                let Ok((arity, is_interface)) = ts
                    .class_info(def)
                    .map(|i| (i.generic_param_count as usize, i.is_interface()))
                else {
                    continue;
                };
                let ty = match arity {
                    _ if is_interface => continue,
                    0 => def,
                    n if n == owner_args.len() => match ts.instantiate(def, &owner_args) {
                        Ok(ty) => ty,
                        Err(_) => continue,
                    },
                    _ => continue,
                };
                if !ts.is_assignable_to(ty, desc.owner).unwrap_or(false) {
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
}

/// The comparer `EqualityComparer<T>.CreateComparer` builds by reflection for an enum `T`, by
/// its underlying type (`SByte…`, `Short…`, `Long…`, else `EnumEqualityComparer<T>`, whose
/// `Equals` goes through `JitHelpers.UnsafeEnumCast`); `None` when `T` is not an enum or its
/// underlying type is `bool` or `char` (an `ObjectEqualityComparer<T>`, already a companion).
fn enum_equality_comparer(
    ts: &mut ngen_typesystem::TypeSystem,
    ty: TypeHandle,
) -> Option<&'static str> {
    use ngen_typesystem::Primitive as P;
    if ts.class_info(ty).ok()?.category != ngen_typesystem::Category::Enum {
        return None;
    }
    Some(match ts.enum_underlying(ty).ok()? {
        P::I1 => "SByteEnumEqualityComparer`1",
        P::I2 => "ShortEnumEqualityComparer`1",
        P::I8 | P::U8 => "LongEnumEqualityComparer`1",
        P::U1 | P::U2 | P::I4 | P::U4 => "EnumEqualityComparer`1",
        _ => return None,
    })
}
