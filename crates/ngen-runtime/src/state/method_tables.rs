//! Method tables: one per type the program touches (its classes, the core library's, boxed
//! value types, arrays, interfaces), built on first use and never freed, and the way back
//! from a method table to its type.
//!
//! ## Model
//! A method table (`ngen_abi::object::METHOD_TABLE_SLOTS_OFFSET`) is the parent's method
//! table (0 for `System.Object` and interfaces), the slot count, then one import cell per
//! vtable slot keyed to the implementing MethodDef (of any assembly, mscorlib included) and
//! resolved on first call like any method cell (see [`super::methods`]). Tables are keyed by
//! the runtime's own [`TypeHandle`]s (interned: one handle, one type), and a reverse map
//! answers "which type is this object" for casts, interface calls and `GetType`.
//! Strings and `string[]` the runtime allocates ([`crate::alloc`]) carry their tables too
//! ([`Runtime::install_allocated_tables`]).
//!
//! Depends on: the parent module's state, `ngen_compiler::runtime_types`.

use ngen_abi::image::CellKind;
use ngen_compiler::runtime_types::{MethodTableLayout, Primitive, TypeHandle, WellKnownType};
use ngen_metadata::{TableId, Token};

use super::{Runtime, new_cell_key_in};
use crate::alloc::StampedClass;
use crate::log;

impl Runtime {
    /// The method table of the type whose constructor or type `token` of assembly `id` names.
    pub(super) fn method_table(&mut self, id: usize, token: u32) -> Result<u64, String> {
        let ty = self
            .types
            .type_of_operand(&self.assemblies[id].metadata, Token(token))?;
        // A boxed `Nullable<T>` is a boxed `T` (ECMA-335 III.4.1): casts to it and
        // `unbox.any` of it test against `T`'s table.
        let ty = self.types.nullable_underlying(ty).unwrap_or(ty);
        self.method_table_of(ty)
    }

    /// The method table of `ty`, built once (its parent's first).
    pub(super) fn method_table_of(&mut self, ty: TypeHandle) -> Result<u64, String> {
        if let Some(&mt) = self.method_tables.get(&ty) {
            return Ok(mt);
        }
        let layout: MethodTableLayout = self.types.method_table_layout(ty)?;
        let parent = match layout.parent {
            Some(p) => self.method_table_of(p)?,
            None => 0,
        };
        let mut words: Vec<u64> = Vec::with_capacity(2 + 2 * layout.slots.len());
        words.push(parent);
        words.push(layout.slots.len() as u64);
        // A boxed value type's own methods take the value, not the object: their slots
        // go through unboxing stubs (`crate::unboxing`).
        let unboxing = self.types.unboxing_slots(ty)?;
        for (i, slot) in layout.slots.iter().enumerate() {
            let implementing = self.assembly_named(0, &slot.assembly)?;
            let kind = if unboxing.get(i).copied().unwrap_or(false) {
                CellKind::UnboxingMethod
            } else {
                CellKind::Method
            };
            words.push(0);
            // A generic instance's slot names its method instance (the token alone is the
            // open definition).
            words.push(new_cell_key_in(
                implementing,
                kind,
                Token::new(TableId::MethodDef, slot.rid).0,
                0,
                0,
                slot.instance,
            ));
        }
        // The table holds code addresses and runtime keys only, never references: plain
        // leaked memory the collector need not scan.
        let mt = Box::leak(words.into_boxed_slice()).as_ptr() as u64;
        self.method_tables.insert(ty, mt);
        self.types_by_table.insert(mt, ty);
        Ok(mt)
    }

    /// The type whose method table is `mt`, if the runtime built it.
    pub(super) fn type_of_table(&self, mt: u64) -> Option<TypeHandle> {
        self.types_by_table.get(&mt).copied()
    }

    /// Gives [`crate::alloc`] the method tables of the objects it allocates (strings,
    /// `string[]` and `char[]`), so virtual calls and casts work on them. A type system that cannot answer
    /// leaves them 0, which only matters to programs that dispatch on those objects.
    pub(super) fn install_allocated_tables(&mut self) {
        let install = |rt: &mut Runtime, class: StampedClass| -> Result<(), String> {
            let string = rt.types.well_known_type(WellKnownType::String)?;
            let ty = match class {
                StampedClass::String => string,
                StampedClass::StringArray => rt.types.sz_array_of(string)?,
                StampedClass::CharArray => {
                    let char_type = rt
                        .types
                        .well_known_type(WellKnownType::Primitive(Primitive::Char))?;
                    rt.types.sz_array_of(char_type)?
                }
            };
            let mt = rt.method_table_of(ty)?;
            crate::alloc::set_method_table(class, mt);
            Ok(())
        };
        for class in StampedClass::ALL {
            if let Err(e) = install(self, class) {
                log::binding(|| format!("no method table for the runtime's {class:?}: {e}"));
            }
        }
    }
}
