//! The compiler's type system: one [`TypeSystem`] per compilation, the "what" of the object
//! model (field offsets, instance sizes, GC maps, vtable slots) that AOT and JIT bake in.
//!
//! ## Model
//! A [`TypeContext`] wraps the `&mut self` API of `ngen-typesystem` in a `Mutex`, so rayon
//! workers of the AOT compiler can share it (queries are short; nothing long runs under the
//! lock). Assemblies come from a [`PathResolver`] over an explicit list of files (the binder's
//! closure of an image request) or from any other [`ModuleResolver`] (the runtime's JIT uses
//! a [`ngen_typesystem::DirectoryResolver`] over the AppBase and the framework directory).
//! When the context cannot start (no `mscorlib` among the inputs) it keeps the reason, and
//! every query answers with it: the methods that need types are excluded, nothing else is.
//!
//! ## Invariants
//! Answers are numbers from `ngen-typesystem` only, so images and the runtime agree by
//! construction. Query order does not change answers (handles may differ; numbers do not).
//!
//! Depends on: ngen-typesystem, ngen-metadata. Citations: ECMA-335 II.10.7 (field layout),
//! Mono 6.8 `mono/metadata/class-init.c`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use ngen_metadata::{Assembly, MetadataError, TableId, Token};
use ngen_typesystem::{
    DirectoryResolver, FieldDesc, FieldHandle, GenericContext, MethodDesc, MethodHandle, ModuleId,
    ModuleResolver, TypeHandle, TypeKind, TypeSystem, WellKnownType,
};

use crate::types::{IlType, ValKind};

mod value_types;
pub use value_types::{BoxedValue, FieldAccess};

/// The core library every context starts from.
const CORLIB: &str = "mscorlib";

/// Resolves simple names to an explicit list of assembly files (by file stem, ASCII
/// case-insensitively, as the CLR compares simple names); the first file of a name wins.
#[derive(Clone, Debug, Default)]
pub struct PathResolver {
    by_name: BTreeMap<String, PathBuf>,
}

impl PathResolver {
    /// A resolver over `paths`.
    pub fn new<'p>(paths: impl IntoIterator<Item = &'p Path>) -> PathResolver {
        let mut by_name = BTreeMap::new();
        for path in paths {
            if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                by_name
                    .entry(stem.to_ascii_lowercase())
                    .or_insert_with(|| path.to_path_buf());
            }
        }
        PathResolver { by_name }
    }
}

impl ModuleResolver for PathResolver {
    fn resolve(&self, name: &str) -> Option<Result<Assembly, MetadataError>> {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .map(Assembly::open)
    }
}

/// Where an instance field lives and what it holds, as the translator needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstanceField {
    /// The kind of value stored.
    pub kind: ValKind,
    /// Byte offset from the start of the object (header included, Mono's convention) for a
    /// field of a class, from the start of the unboxed value for a field of a value type.
    pub offset: u32,
}

/// What `newobj` allocates for a class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewObject {
    /// Bytes of an instance, header included (Mono's `instance_size`).
    pub size: u32,
    /// Whether the collector must scan the instance (else it is allocated atomic).
    pub has_references: bool,
}

/// Where a static field of the program lives: its type's storage areas (allocated by the
/// runtime, once per type) and the field's place in them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticFieldStorage {
    /// The type of the value stored (an enum's primitive, or a struct).
    pub kind: IlType,
    /// The simple name of the assembly defining the field's type.
    pub owner_assembly: String,
    /// The TypeDef rid of the field's type in that assembly.
    pub owner_type_rid: u32,
    /// The MethodDef rid of that type's `.cctor`, if it has one.
    pub cctor_rid: Option<u32>,
    /// Whether the field lives in the GC-scanned area (else the reference-free one).
    pub in_gc_area: bool,
    /// The field's offset in its area.
    pub offset: u32,
    /// Bytes of the type's GC-scanned area.
    pub gc_size: u32,
    /// Bytes of the type's reference-free area.
    pub non_gc_size: u32,
}

/// What the runtime needs to build a class's method table: the class and, per vtable slot,
/// the method a virtual call through it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodTableLayout {
    /// The simple name of the assembly defining the class.
    pub owner_assembly: String,
    /// The class's TypeDef rid there.
    pub owner_type_rid: u32,
    /// The parent class's assembly and TypeDef rid, when it is a class of the program (a
    /// core-library parent, `System.Object` included, ends the chain casts walk).
    pub parent: Option<(String, u32)>,
    /// Per slot: the implementing method's assembly (simple name) and MethodDef rid.
    pub slots: Vec<(String, u32)>,
}

struct Inner {
    ts: TypeSystem,
}

impl Inner {
    /// The module of `asm`, found by its simple name (the compiled assembly was added up
    /// front; others come from the resolver).
    fn module_of(&mut self, asm: &Assembly) -> Result<ModuleId, String> {
        let name = asm.assembly_row().map_err(|e| e.to_string())?.name;
        self.ts.load_module(name).map_err(|e| e.to_string())
    }

    /// The type a TypeDef, TypeRef or TypeSpec token of `asm` names.
    fn type_of(&mut self, asm: &Assembly, token: Token) -> Result<TypeHandle, String> {
        let module = self.module_of(asm)?;
        self.ts
            .resolve_type(module, token, &GenericContext::none())
            .map_err(|e| e.to_string())
    }

    /// The field a Field or MemberRef token of `asm` names, with its description.
    fn field(&mut self, asm: &Assembly, token: Token) -> Result<(FieldHandle, FieldDesc), String> {
        let module = self.module_of(asm)?;
        let field = self
            .ts
            .resolve_field(module, token, &GenericContext::none())
            .map_err(|e| e.to_string())?;
        Ok((field, self.ts.field(field).clone()))
    }

    /// The method a MethodDef or MemberRef token of `asm` names, with its description.
    fn method(
        &mut self,
        asm: &Assembly,
        token: Token,
    ) -> Result<(MethodHandle, MethodDesc), String> {
        let module = self.module_of(asm)?;
        let method = self
            .ts
            .resolve_method(module, token, &GenericContext::none())
            .map_err(|e| e.to_string())?;
        Ok((method, self.ts.method(method).clone()))
    }
}

/// One compilation's type system (see the module documentation).
pub struct TypeContext {
    inner: Result<Mutex<Inner>, String>,
}

impl TypeContext {
    /// A context for compiling `assembly` (when given: it binds its own simple name, whatever
    /// the resolver says), whose references come from `resolver`.
    pub fn new(assembly: Option<&Path>, resolver: Box<dyn ModuleResolver>) -> TypeContext {
        let start = || -> Result<Inner, String> {
            let mut ts =
                TypeSystem::new(resolver, CORLIB).map_err(|e| format!("no type system: {e}"))?;
            if let Some(path) = assembly {
                let asm = Assembly::open(path).map_err(|e| format!("no type system: {e}"))?;
                ts.add_assembly(asm)
                    .map_err(|e| format!("no type system: {e}"))?;
            }
            Ok(Inner { ts })
        };
        TypeContext {
            inner: start().map(Mutex::new),
        }
    }

    /// A context over the assemblies found in `dirs` (probed in order for `<name>.dll`, then
    /// `<name>.exe`), as the runtime's JIT uses: the AppBase, then the framework directory.
    pub fn over_directories(dirs: &[PathBuf]) -> TypeContext {
        TypeContext::new(None, Box::new(DirectoryResolver::new(dirs.iter().cloned())))
    }

    /// A context that answers every query with `reason` (callers that have no inputs).
    pub fn unavailable(reason: impl Into<String>) -> TypeContext {
        TypeContext {
            inner: Err(reason.into()),
        }
    }

    /// Why the context could not start, if it could not.
    pub fn unavailable_reason(&self) -> Option<&str> {
        self.inner.as_ref().err().map(String::as_str)
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>, String> {
        match &self.inner {
            // A panic under the lock (caught per method by the AOT driver) leaves the caches
            // consistent: every facet is stored whole or not at all.
            Ok(m) => Ok(m.lock().unwrap_or_else(|p| p.into_inner())),
            Err(reason) => Err(reason.clone()),
        }
    }

    /// The instance field a `ldfld`/`stfld`/`ldflda` operand of `asm` names, when it holds a
    /// primitive or a reference ([`TypeContext::field_access`] covers struct fields too).
    pub fn instance_field(&self, asm: &Assembly, token: Token) -> Result<InstanceField, String> {
        let access = self.field_access(asm, token)?;
        match access.ty {
            IlType::Val(kind) => Ok(InstanceField {
                kind,
                offset: access.offset,
            }),
            IlType::Struct(_) => Err("a struct field".into()),
        }
    }

    /// What `newobj ctor` allocates, for a constructor of a class of the program: not a value
    /// type, array, string, delegate or other class whose constructor chain reaches the BCL
    /// surface (only `System.Object`'s empty constructor is expanded in place).
    pub fn new_object(&self, asm: &Assembly, ctor: Token) -> Result<NewObject, String> {
        let mut inner = self.lock()?;
        let (method, desc) = inner.method(asm, ctor)?;
        let ts = &mut inner.ts;
        if desc.name != ".ctor" || desc.is_static() {
            return Err(format!("newobj of {}", ts.method_name(method)));
        }
        let owner = desc.owner;
        let name = ts.type_name(owner);
        if !matches!(ts.kind(owner), TypeKind::Def(..)) {
            return Err(format!("newobj of the generic type instance {name}"));
        }
        let info = ts.class_info(owner).map_err(|e| e.to_string())?;
        if info.is_value_type() || info.is_interface() {
            return Err(format!("newobj of the value type {name}"));
        }
        let object = ts
            .well_known(WellKnownType::Object)
            .map_err(|e| e.to_string())?;
        let corlib = ts.corlib();
        for ancestor in ts.ancestors(owner).map_err(|e| e.to_string())? {
            let in_corlib = ts.class_info(ancestor).map_err(|e| e.to_string())?.module == corlib;
            if in_corlib && ancestor != object {
                return Err(format!(
                    "newobj of {name}, a BCL class or derived from one ({})",
                    ts.type_name(ancestor)
                ));
            }
        }
        let layout = ts.instance_layout(owner).map_err(|e| e.to_string())?;
        Ok(NewObject {
            size: layout.instance_size,
            has_references: layout.has_references,
        })
    }

    /// Where the static field a `ldsfld`/`stsfld`/`ldsflda` operand of `asm` names lives, or
    /// `None` when its type is the core library's (the BCL surface serves those today).
    pub fn static_field(
        &self,
        asm: &Assembly,
        token: Token,
    ) -> Result<Option<StaticFieldStorage>, String> {
        let mut inner = self.lock()?;
        let (field, desc) = inner.field(asm, token)?;
        let ts = &mut inner.ts;
        if desc.module == ts.corlib() {
            return Ok(None);
        }
        if !desc.is_static() || desc.is_literal() {
            return Err(format!("field {} is not a static with storage", desc.name));
        }
        let TypeKind::Def(owner_module, owner_type_rid) = ts.kind(desc.owner).clone() else {
            return Err(format!(
                "static field {} of a generic type instance",
                desc.name
            ));
        };
        let ty = ts.field_type(field).map_err(|e| e.to_string())?;
        let kind = value_types::il_type(ts, ty).map_err(|e| format!("field {}: {e}", desc.name))?;
        let layout = ts.statics_layout(desc.owner).map_err(|e| e.to_string())?;
        let Some(place) = layout.get(field) else {
            return Err(format!("static field {} has no storage", desc.name));
        };
        let in_gc_area = match place.area {
            ngen_typesystem::StaticArea::Gc => true,
            ngen_typesystem::StaticArea::NonGc => false,
            _ => return Err(format!("thread-static field {}", desc.name)),
        };
        let mut cctor_rid = None;
        for m in ts.methods(desc.owner).map_err(|e| e.to_string())?.iter() {
            let m = ts.method(*m);
            if m.name == ".cctor" && m.is_static() {
                cctor_rid = Some(m.rid);
            }
        }
        Ok(Some(StaticFieldStorage {
            kind,
            owner_assembly: ts.module_name(owner_module).to_string(),
            owner_type_rid,
            cctor_rid,
            in_gc_area,
            offset: place.offset,
            gc_size: layout.gc_size,
            non_gc_size: layout.non_gc_size,
        }))
    }

    /// The vtable slot `callvirt token` of `asm` dispatches through: a virtual method declared
    /// by a class of the program (not an interface, not generic, not the core library's:
    /// those wait for interface dispatch and the compiled mscorlib).
    pub fn virtual_slot(&self, asm: &Assembly, token: Token) -> Result<u32, String> {
        let mut inner = self.lock()?;
        let (method, desc) = inner.method(asm, token)?;
        let ts = &mut inner.ts;
        let name = ts.method_name(method);
        if !desc.is_virtual() {
            return Err(format!("{name} is not virtual"));
        }
        if desc.module == ts.corlib() {
            return Err(format!("virtual call to the BCL's {name}"));
        }
        if !matches!(ts.kind(desc.owner), TypeKind::Def(..)) || !desc.method_args.is_empty() {
            return Err(format!("virtual call to the generic {name}"));
        }
        if ts
            .class_info(desc.owner)
            .map_err(|e| e.to_string())?
            .is_interface()
        {
            return Err(format!("interface call to {name}"));
        }
        ts.slot_of(method)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("{name} has no vtable slot"))
    }

    /// The method table layout of the class whose constructor (`newobj`) or type (casts)
    /// `token` of `asm` names.
    pub fn method_table(&self, asm: &Assembly, token: Token) -> Result<MethodTableLayout, String> {
        let mut inner = self.lock()?;
        let class = if matches!(
            token.table(),
            Some(TableId::TypeDef | TableId::TypeRef | TableId::TypeSpec)
        ) {
            inner.type_of(asm, token)?
        } else {
            inner.method(asm, token)?.1.owner
        };
        method_table_layout(&mut inner.ts, class)
    }

    /// The method table layout of TypeDef `type_rid` of the assembly named `assembly`.
    pub fn method_table_of_def(
        &self,
        assembly: &str,
        type_rid: u32,
    ) -> Result<MethodTableLayout, String> {
        let mut inner = self.lock()?;
        let ts = &mut inner.ts;
        let module = ts.load_module(assembly).map_err(|e| e.to_string())?;
        let class = ts.type_def(module, type_rid).map_err(|e| e.to_string())?;
        method_table_layout(ts, class)
    }

    /// Checks that `castclass`/`isinst token` of `asm` targets a class or value type of the
    /// program (not an interface, array, generic instance or core-library type), which a walk
    /// up the receiver's method-table chain decides.
    pub fn check_cast_target(&self, asm: &Assembly, token: Token) -> Result<(), String> {
        let mut inner = self.lock()?;
        let ty = inner.type_of(asm, token)?;
        let ts = &mut inner.ts;
        let name = ts.type_name(ty);
        let TypeKind::Def(def_module, _) = ts.kind(ty).clone() else {
            return Err(format!("cast to {name} (not a class of the program)"));
        };
        let info = ts.class_info(ty).map_err(|e| e.to_string())?;
        // A value type of the program is sealed and boxes with its own method table, whose
        // chain ends at once: the walk is an exact match.
        if def_module == ts.corlib() || info.is_interface() {
            return Err(format!("cast to {name} (not a class of the program)"));
        }
        Ok(())
    }

    /// Whether `token` of `asm` names `System.Object::.ctor`, which does nothing.
    pub fn is_object_ctor(&self, asm: &Assembly, token: Token) -> bool {
        let Ok(mut inner) = self.lock() else {
            return false;
        };
        let Ok((_, desc)) = inner.method(asm, token) else {
            return false;
        };
        desc.name == ".ctor"
            && !desc.is_static()
            && inner.ts.well_known(WellKnownType::Object).ok() == Some(desc.owner)
    }

    /// Whether `callvirt token` always reaches the method `token` names, so it can be compiled
    /// as a null-checked direct call (ECMA-335 III.4.2): the method is not virtual, is `final`,
    /// or belongs to a sealed class. Virtual dispatch proper comes with method tables.
    pub fn check_exact_callvirt(&self, asm: &Assembly, token: Token) -> Result<(), String> {
        let mut inner = self.lock()?;
        let (method, desc) = inner.method(asm, token)?;
        let ts = &mut inner.ts;
        if !desc.is_virtual() || desc.is_final() {
            return Ok(());
        }
        let owner = ts.class_info(desc.owner).map_err(|e| e.to_string())?;
        if owner.flags & ngen_metadata::flags::type_attributes::SEALED != 0 {
            return Ok(());
        }
        Err(format!("virtual call to {}", ts.method_name(method)))
    }

    /// The instance size (header included) of the class a type token of `asm` names.
    pub fn instance_size(&self, asm: &Assembly, token: Token) -> Result<u32, String> {
        let mut inner = self.lock()?;
        let ty = inner.type_of(asm, token)?;
        let ts = &mut inner.ts;
        let layout = ts.instance_layout(ty).map_err(|e| e.to_string())?;
        Ok(layout.instance_size)
    }
}

/// The method table layout of `class`: its definition, its parent when that is a class of the
/// program, and the implementation of each vtable slot.
fn method_table_layout(
    ts: &mut TypeSystem,
    class: TypeHandle,
) -> Result<MethodTableLayout, String> {
    let TypeKind::Def(owner_module, owner_type_rid) = ts.kind(class).clone() else {
        return Err("method table of a generic type instance".to_string());
    };
    let parent = match ts.parent(class).map_err(|e| e.to_string())? {
        Some(p) => match ts.kind(p).clone() {
            TypeKind::Def(m, rid) if m != ts.corlib() => Some((ts.module_name(m).to_string(), rid)),
            _ => None,
        },
        None => None,
    };
    let vtable = ts.vtable(class).map_err(|e| e.to_string())?;
    let slots = vtable
        .slots
        .iter()
        .map(|slot| {
            let m = ts.method(slot.implementation);
            (ts.module_name(m.module).to_string(), m.rid)
        })
        .collect();
    Ok(MethodTableLayout {
        owner_assembly: ts.module_name(owner_module).to_string(),
        owner_type_rid,
        parent,
        slots,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_context_without_mscorlib_says_why_and_answers_every_query_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("App.exe");
        let cx = TypeContext::new(
            Some(&missing),
            Box::new(PathResolver::new([missing.as_path()])),
        );
        let reason = cx.unavailable_reason().unwrap().to_string();
        assert!(reason.contains("mscorlib"), "{reason}");
        assert!(cx.lock().is_err());
    }

    /// `class C { int a; object b; long c; }` and `struct S { byte x; int y; }` from mcs:
    /// Mono's auto layout puts references first after the 16-byte header (b at 16), then the
    /// rest in declaration order, each aligned (a at 24, c at 32; size 40); the struct is sequential (x at 0,
    /// y at 4 of the value; boxed size 16 + 8).
    #[test]
    fn field_offsets_and_sizes_of_a_program_come_from_the_type_system() {
        let corlib = Path::new("/usr/lib/mono/4.5/mscorlib.dll");
        if !corlib.is_file()
            || std::process::Command::new("mcs")
                .arg("--version")
                .output()
                .is_err()
        {
            eprintln!("SKIPPED: needs mono's mcs and mscorlib (tests/setup.sh installs them)");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("Layout.cs");
        std::fs::write(
            &src,
            "class C { int a; object b; long c; static int s; \
             static void Main() { var o = new C(); o.a = 1; o.b = null; o.c = 2; s = 3; \
             var v = new S(); v.x = 1; v.y = 2; } }\n\
             struct S { public byte x; public int y; }\n",
        )
        .unwrap();
        let exe = dir.path().join("Layout.exe");
        let out = std::process::Command::new("mcs")
            .arg(format!("-out:{}", exe.display()))
            .arg(&src)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The resolver does not know Layout: the context binds it because it was given.
        let cx = TypeContext::new(Some(&exe), Box::new(PathResolver::new([corlib])));
        assert_eq!(cx.unavailable_reason(), None);
        let asm = Assembly::open(&exe).unwrap();
        let field = |rid| cx.instance_field(&asm, Token::new(ngen_metadata::TableId::Field, rid));
        // Field rids in declaration order: C.a, C.b, C.c, C.s, S.x, S.y.
        assert_eq!(
            field(1),
            Ok(InstanceField {
                kind: ValKind::I4,
                offset: 24
            })
        );
        assert_eq!(
            field(2),
            Ok(InstanceField {
                kind: ValKind::Ref,
                offset: 16
            })
        );
        assert_eq!(
            field(3),
            Ok(InstanceField {
                kind: ValKind::I8,
                offset: 32
            })
        );
        assert!(field(4).unwrap_err().contains("static"));
        // Fields of value types are at their offset in the unboxed value.
        assert_eq!(
            field(6),
            Ok(InstanceField {
                kind: ValKind::I4,
                offset: 4
            })
        );
        // TypeDef rids: <Module>, C, S.
        let size = |rid| cx.instance_size(&asm, Token::new(ngen_metadata::TableId::TypeDef, rid));
        assert_eq!(size(2), Ok(40));
        let ctor = (1..=3)
            .map(|rid| Token::new(ngen_metadata::TableId::MethodDef, rid))
            .find(|&t| cx.new_object(&asm, t).is_ok())
            .expect("C's constructor");
        assert_eq!(
            cx.new_object(&asm, ctor),
            Ok(NewObject {
                size: 40,
                has_references: true
            })
        );
        assert!(!cx.is_object_ctor(&asm, ctor));
        assert_eq!(size(3), Ok(24));
        // Main is static and not virtual; Object.ToString is virtual in an unsealed class.
        assert_eq!(
            cx.check_exact_callvirt(&asm, Token::new(ngen_metadata::TableId::MethodDef, 1)),
            Ok(())
        );
    }

    #[test]
    fn the_path_resolver_matches_simple_names_by_file_stem_ignoring_case() {
        let r = PathResolver::new([Path::new("/x/MsCorLib.dll"), Path::new("/y/mscorlib.dll")]);
        assert_eq!(
            r.by_name.get("mscorlib").map(PathBuf::as_path),
            Some(Path::new("/x/MsCorLib.dll"))
        );
        assert!(r.resolve("System").is_none());
    }
}
