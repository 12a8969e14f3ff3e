//! What a virtual, interface or constrained call may run that its token does not name, for
//! the AOT scan of an image (`backend/aot/instances.rs`), after crossgen2's dependency
//! analysis: a `constrained.` call runs the constraint type's implementation; a generic
//! virtual call runs the override of every type constructed so far that is assignable to the
//! method's owner; a call on a generic interface of the compiled assembly may run the
//! assembly's own generic classes that implement that interface over their own parameters.
//!
//! ## Model
//! - *Constrained calls* (ECMA-335 III.2.1): `constrained. T callvirt M` resolved in the
//!   body's generic context names `T` exactly, so its implementation of `M` is what runs
//!   (`IConstrained<int>::foo` on `ConsStruct<int>`; an awaiter's `UnsafeOnCompleted`).
//! - *Generic virtual methods over constructed types*: crossgen2 pairs every generic virtual
//!   call with every constructed type (`newobj`, `box`) that may receive it; the scan does
//!   the same for the generic type instances its bodies construct (`IFoo f = new
//!   Foo<string>(); f.Bar<int>()` needs `Foo<string>::Bar<int>`). Non-generic classes of the
//!   calling assembly are [`TypeContext::generic_virtual_overrides`]' already.
//! - *Own generic interfaces*: an object that only reflection creates
//!   (`Activator.CreateInstance(typeof(SEClass<>).MakeGenericType(t))`) is named nowhere in
//!   IL, but a call on `SEFace<sbyte>` says which instantiation the program expects. For an
//!   interface the compiled assembly defines, its generic classes of the interface's arity
//!   that implement it when instantiated over the same arguments are taken as constructed
//!   (their virtual methods, `.cctor` and constructors). This is a speculation bounded to one
//!   assembly's own types, not sharing: Mono's full AOT answers the same case with gsharedvt
//!   code, which needs `__Canon`/value-type sharing this compiler does not have. The core
//!   library's interfaces (`IEnumerable<T>`) are left out, also when mscorlib is compiled:
//!   their implementors times their instantiations would fill its image's instance cap.
//!
//! Depends on: ngen-typesystem, [`super::TypeContext`], [`super::generics`]. Citations:
//! ECMA-335 III.2.1 (`constrained.`), II.12.2 (generic virtual methods); crossgen2's
//! `GVMDependenciesNode`/`InterfaceDispatchCellNode` (dependencies of virtual calls on
//! constructed types).

use ngen_metadata::{Assembly, Token};
use ngen_typesystem::{MethodHandle, TypeHandle, TypeKind};

use super::{MethodInstance, TypeContext};

impl TypeContext {
    /// The method instance `constrained. constraint callvirt method` (tokens of `asm`, in this
    /// handle's generic context) runs when the constraint type is a closed generic type
    /// instance: its implementation of `method` (a generic virtual one instantiated over the
    /// call's method arguments). `None` when it is not generic or has no implementation.
    pub fn constrained_target_instance(
        &self,
        asm: &Assembly,
        method: Token,
        constraint: Token,
    ) -> Option<MethodInstance> {
        let target = {
            let mut inner = self.lock().ok()?;
            let ty = inner.type_of(asm, constraint).ok()?;
            let (method, desc) = inner.method(asm, method).ok()?;
            if !desc.is_virtual() || !matches!(inner.ts.kind(ty), TypeKind::Inst(..)) {
                return None;
            }
            inner.ts.resolve_generic_virtual(ty, method).ok()??
        };
        self.method_instance_of(target)
            .ok()
            .filter(MethodInstance::is_generic)
    }

    /// The generic type instance `newobj` of the constructor instance `ctor` constructs
    /// (`None` for a method of a non-generic type or a value type's constructor called
    /// through its address, which constructs nothing a virtual call may receive).
    pub fn constructed_owner(&self, ctor: MethodHandle) -> Option<TypeHandle> {
        let inner = self.lock().ok()?;
        let desc = inner.ts.method(ctor).clone();
        if desc.name != ".ctor" || !matches!(inner.ts.kind(desc.owner), TypeKind::Inst(..)) {
            return None;
        }
        Some(desc.owner)
    }

    /// Whether `handle` is a generic virtual method instance (`Base::M<int>`, `IFoo::Bar<int>`):
    /// a call of it runs one override per receiving type, paired with constructed types.
    pub fn is_generic_virtual(&self, handle: MethodHandle) -> bool {
        self.lock().is_ok_and(|inner| {
            let desc = inner.ts.method(handle);
            desc.is_virtual() && !desc.method_args.is_empty()
        })
    }

    /// The override of the generic virtual method instance `method` that an object of type
    /// `ty` runs, when `ty` may receive the call (it is assignable to the method's owner).
    pub fn generic_virtual_target(
        &self,
        ty: TypeHandle,
        method: MethodHandle,
    ) -> Option<MethodInstance> {
        let target = {
            let mut inner = self.lock().ok()?;
            let owner = inner.ts.method(method).owner;
            if !inner.ts.is_assignable_to(ty, owner).unwrap_or(false) {
                return None;
            }
            inner.ts.resolve_generic_virtual(ty, method).ok()??
        };
        (target != method)
            .then(|| self.method_instance_of(target).ok())
            .flatten()
            .filter(MethodInstance::is_generic)
    }

    /// The generic classes of `asm` that may stand behind a call of `interface_method`, a
    /// method of a generic interface instance `asm` itself defines: each non-interface
    /// generic type of `asm` with the interface's arity that, instantiated over the
    /// interface's arguments, implements it (`SEClass<sbyte>` for `SEFace<sbyte>::Copy`).
    /// Empty for any other method (see the module documentation).
    pub fn own_interface_implementors(
        &self,
        asm: &Assembly,
        interface_method: MethodHandle,
    ) -> Vec<TypeHandle> {
        let Ok(mut inner) = self.lock() else {
            return Vec::new();
        };
        let Ok(module) = inner.module_of(asm) else {
            return Vec::new();
        };
        let ts = &mut inner.ts;
        let owner = ts.method(interface_method).owner;
        let TypeKind::Inst(def, args) = ts.kind(owner).clone() else {
            return Vec::new();
        };
        // Not the core library's: its generic interfaces (`IEnumerable<T>`) have dozens of
        // implementors, which every instantiation would multiply (mscorlib's own image hits
        // its instance cap that way).
        let corlib = ts.corlib();
        let own_interface = ts.class_info(def).is_ok_and(|info| {
            info.module == module && info.module != corlib && info.is_interface()
        });
        if !own_interface || !ts.is_closed(owner) {
            return Vec::new();
        }
        let mut found = Vec::new();
        for rid in 1..=asm.row_count(ngen_metadata::TableId::TypeDef) {
            let Ok(candidate) = ts.type_def(module, rid) else {
                continue;
            };
            let fits = ts.class_info(candidate).is_ok_and(|info| {
                !info.is_interface() && info.generic_param_count as usize == args.len()
            });
            if !fits {
                continue;
            }
            let Ok(ty) = ts.instantiate(candidate, &args) else {
                continue;
            };
            if ts.is_assignable_to(ty, owner).unwrap_or(false) {
                found.push(ty);
            }
        }
        found
    }
}
