//! Instance field layout, transcribed in behaviour (not code) from Mono 6.8's
//! `mono_class_setup_fields` and `mono_class_layout_fields` (`mono/metadata/class-init.c`),
//! plus `mono_type_size` (`metadata.c`) and `mono_class_value_size` (`object.c`).
//!
//! The rules, in Mono's order:
//! 1. Start at the parent's instance size (16 for roots) and the parent's minimum alignment
//!    (1 for roots); a ClassLayout row adds its size to the starting instance size.
//! 2. Auto layout of a reference type is GC-aware: two passes, fields holding references
//!    first; value types and sequential types take one pass in declaration order.
//! 3. A field's alignment is its type's, capped by `.pack`, and at least 8 if it holds
//!    references; the type's minimum alignment is the largest field alignment. After each
//!    pass the instance size is the larger of the running offset and the start size,
//!    rounded up to the minimum alignment.
//! 4. Explicit layout puts each field at 16 + its FieldLayout offset (whatever the parent),
//!    and rounds the size only when there is no ClassLayout row.
//! 5. Enums are their underlying primitive; `!n` fields of open generic types count as
//!    object references (`mono_type_get_basic_type_from_generic`).
//!
//! Errors, as Mono's `TypeLoadException`s: a missing or negative explicit offset, a
//! reference at an offset that is not pointer-aligned, a `.pack` of 256 or more, an explicit
//! generic definition, a value type over 1 MiB, a struct that contains itself. We also reject
//! a non-reference field overlapping an object reference (the CLR's rule; Mono 6.8 has that
//! check compiled out, `#if 0`, but the brief and the CLR want it).
//! Depends on `crate::members`.

use std::sync::Arc;

use ngen_metadata::flags::type_attributes;

use super::{OBJECT_HEADER_SIZE, POINTER_SIZE};
use crate::TypeSystem;
use crate::desc::{Category, Primitive, TypeKind};
use crate::error::{Result, TypeSystemError};
use crate::handle::{FieldHandle, TypeHandle};

/// The instance layout of a type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceLayout {
    /// Mono's `instance_size`: bytes of an instance (boxed, for value types) including the
    /// 16-byte header. Arrays: the fixed part before the elements (32).
    pub instance_size: u32,
    /// Mono's `min_align`: the alignment of the type when stored inline.
    pub min_align: u32,
    /// Whether an instance holds any object reference (its own or inherited fields).
    pub has_references: bool,
    /// True for value types and enums.
    pub is_value_type: bool,
    /// The instance fields this type declares (not inherited ones), in declaration order,
    /// with Mono's offset: from the start of the object, header included, for value types too.
    pub fields: Vec<(FieldHandle, u32)>,
}

impl InstanceLayout {
    /// The size of an unboxed value (value types) or of the part after the header.
    pub fn value_size(&self) -> u32 {
        self.instance_size.saturating_sub(OBJECT_HEADER_SIZE)
    }
}

/// How a value of some type is stored in a field, an array element or a local.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Storage {
    pub size: u32,
    pub align: u32,
    /// The storage holds references (a reference, or a struct containing one).
    pub has_references: bool,
    /// The storage *is* one object reference.
    pub is_reference: bool,
}

const REFERENCE: Storage = Storage {
    size: POINTER_SIZE,
    align: POINTER_SIZE,
    has_references: true,
    is_reference: true,
};
const WORD: Storage = Storage {
    size: POINTER_SIZE,
    align: POINTER_SIZE,
    has_references: false,
    is_reference: false,
};

/// Mono refuses value types larger than this (plus the header).
const MAX_VALUE_TYPE_SIZE: u32 = 0x10_0000;

impl TypeSystem {
    /// The instance layout of a class, value type, enum, interface or array.
    pub fn instance_layout(&mut self, ty: TypeHandle) -> Result<Arc<InstanceLayout>> {
        if let Some(r) = &self.facets(ty).layout {
            return r.clone();
        }
        if !self.layout_in_progress.insert(ty) {
            return Err(self.load_error(
                ty,
                "the type contains itself (a recursive struct or an inheritance cycle)",
            ));
        }
        let r = self.compute_instance_layout(ty).map(Arc::new);
        self.layout_in_progress.remove(&ty);
        self.facets(ty).layout = Some(r.clone());
        r
    }

    /// The offset of an instance field as compiled code uses it: from the start of the object
    /// for reference types, from the start of the unboxed value for value types.
    pub fn field_offset(&mut self, field: FieldHandle) -> Result<u32> {
        let owner = self.field(field).owner;
        let layout = self.instance_layout(owner)?;
        let Some(&(_, off)) = layout.fields.iter().find(|(f, _)| *f == field) else {
            return Err(TypeSystemError::InvalidReference {
                assembly: self.module_name(self.field(field).module).to_string(),
                reason: format!(
                    "{}::{} is static: it has no instance offset (see statics_layout)",
                    self.type_name(owner),
                    self.field(field).name
                ),
            });
        };
        Ok(if layout.is_value_type {
            off - OBJECT_HEADER_SIZE
        } else {
            off
        })
    }

    /// Size and alignment of a value of `ty` stored inline (`mono_type_size`).
    pub fn size_and_align(&mut self, ty: TypeHandle) -> Result<(u32, u32)> {
        let s = self.storage(ty)?;
        Ok((s.size, s.align))
    }

    /// Whether a value of `ty` stored inline holds object references.
    pub fn has_references(&mut self, ty: TypeHandle) -> Result<bool> {
        Ok(self.storage(ty)?.has_references)
    }

    /// The underlying primitive of an enum.
    pub fn enum_underlying(&mut self, ty: TypeHandle) -> Result<Primitive> {
        for f in self.fields(ty)?.iter().copied() {
            if self.field(f).is_static() {
                continue;
            }
            let ft = self.field_type(f)?;
            let is_primitive_def = matches!(self.kind(ft), TypeKind::Def(..));
            if is_primitive_def && let Some(p) = self.class_info(ft)?.primitive {
                return Ok(p);
            }
            break;
        }
        Err(self.load_error(ty, "The enumeration's base type is invalid."))
    }

    pub(crate) fn load_error(&self, ty: TypeHandle, reason: &str) -> TypeSystemError {
        let assembly = match self.def_of(ty) {
            Some((_, m, _)) => self.module_name(m).to_string(),
            None => String::new(),
        };
        TypeSystemError::TypeLoad {
            type_name: self.type_name(ty),
            assembly,
            reason: reason.to_string(),
        }
    }

    pub(crate) fn storage(&mut self, ty: TypeHandle) -> Result<Storage> {
        Ok(match self.kind(ty) {
            TypeKind::ByRef(_) | TypeKind::Ptr(_) | TypeKind::FnPtr(_) => WORD,
            TypeKind::SzArray(_)
            | TypeKind::Array(..)
            | TypeKind::Var(_)
            | TypeKind::MVar(_)
            | TypeKind::Param(..) => REFERENCE,
            TypeKind::Def(..) | TypeKind::Inst(..) => {
                let info = self.class_info(ty)?;
                match info.category {
                    Category::Class | Category::Interface => REFERENCE,
                    Category::Enum => primitive_storage(self.enum_underlying(ty)?),
                    Category::ValueType => match info.primitive {
                        Some(p) => primitive_storage(p),
                        None => {
                            let l = self.instance_layout(ty)?;
                            Storage {
                                size: l.value_size(),
                                align: l.min_align,
                                has_references: l.has_references,
                                is_reference: false,
                            }
                        }
                    },
                }
            }
        })
    }

    fn compute_instance_layout(&mut self, ty: TypeHandle) -> Result<InstanceLayout> {
        match self.kind(ty).clone() {
            TypeKind::SzArray(e) | TypeKind::Array(e, _) => {
                let element = self.storage(e)?;
                return Ok(InstanceLayout {
                    instance_size: super::ARRAY_DATA_OFFSET,
                    min_align: POINTER_SIZE,
                    has_references: element.has_references,
                    is_value_type: false,
                    fields: Vec::new(),
                });
            }
            TypeKind::Def(..) | TypeKind::Inst(..) => {}
            _ => return Err(self.load_error(ty, "this kind of type has no instance layout")),
        }
        let info = self.class_info(ty)?;
        let (base_size, mut min_align, mut has_references) = match info.parent {
            Some(p) => {
                let pl = self.instance_layout(p)?;
                (pl.instance_size, pl.min_align, pl.has_references)
            }
            None => (OBJECT_HEADER_SIZE, 1, false),
        };
        let class_layout = self.md(info.module, |a| a.class_layout_of(info.rid))?;
        let packing = class_layout.map_or(0, |l| u32::from(l.packing_size));
        if packing >= 256 {
            return Err(self.load_error(
                ty,
                &format!("Could not load struct with packing size {packing} >= 256"),
            ));
        }
        let explicit_size = class_layout.is_some();
        let mut instance_size = base_size + class_layout.map_or(0, |l| l.class_size);
        let layout_kind = info.layout_kind();
        let is_value_type = info.is_value_type();

        let all_fields = self.fields(ty)?;
        let field_count = all_fields.len();
        let mut fields = Vec::new();
        for &f in all_fields.iter() {
            if self.field(f).is_static() {
                continue;
            }
            let ft = self.field_type(f)?;
            let storage = self.storage(ft).map_err(|e| {
                self.load_error(
                    ty,
                    &format!(
                        "Could not set up field '{}' due to: {e}",
                        self.field(f).name
                    ),
                )
            })?;
            has_references |= storage.has_references;
            fields.push((f, storage));
        }

        let mut offsets = Vec::with_capacity(fields.len());
        if layout_kind == type_attributes::EXPLICIT_LAYOUT {
            if info.generic_param_count > 0 {
                return Err(self.load_error(ty, "Generic class cannot have explicit layout."));
            }
            let mut real_size = 0u32;
            for &(f, s) in &fields {
                let rid = self.field(f).rid;
                let raw = self.md(info.module, |a| a.field_offset_of(rid))?;
                let name = self.field(f).name.clone();
                let raw = match raw {
                    None | Some(u32::MAX) => {
                        return Err(
                            self.load_error(ty, &format!("Missing field layout info for {name}"))
                        );
                    }
                    Some(o) if (o as i32) < 0 => {
                        return Err(self.load_error(
                            ty,
                            &format!("Field '{name}' has a negative offset {}", o as i32),
                        ));
                    }
                    Some(o) => o,
                };
                let align = cap(s.align, packing);
                min_align = min_align.max(align);
                let off = raw + OBJECT_HEADER_SIZE;
                if s.has_references && !off.is_multiple_of(POINTER_SIZE) {
                    return Err(self.load_error(
                        ty,
                        &format!("Reference typed field '{name}' has explicit offset that is not pointer-size aligned."),
                    ));
                }
                real_size = real_size.max(off + s.size);
                offsets.push(off);
            }
            self.check_reference_overlap(ty, &fields, &offsets)?;
            instance_size = instance_size.max(real_size);
            if !explicit_size {
                instance_size = round_up(instance_size, min_align);
            }
        } else {
            let gc_aware = layout_kind == type_attributes::AUTO_LAYOUT && !is_value_type;
            let passes = if gc_aware { 2 } else { 1 };
            let mut real_size = base_size;
            offsets = vec![0; fields.len()];
            for pass in 0..passes {
                for (i, &(f, s)) in fields.iter().enumerate() {
                    if gc_aware && s.has_references != (pass == 0) {
                        continue;
                    }
                    // mcs once inserted `$PRIVATE$` into empty structs; Mono skips it.
                    if field_count == 1
                        && instance_size == OBJECT_HEADER_SIZE
                        && self.field(f).name == "$PRIVATE$"
                    {
                        continue;
                    }
                    let mut align = cap(s.align, packing);
                    if s.has_references {
                        align = align.max(POINTER_SIZE);
                    }
                    min_align = min_align.max(align);
                    let off = round_up(real_size, align);
                    offsets[i] = off;
                    real_size = off + s.size;
                }
                instance_size = round_up(instance_size.max(real_size), min_align);
            }
        }

        if is_value_type && instance_size > MAX_VALUE_TYPE_SIZE + OBJECT_HEADER_SIZE {
            let exempt =
                info.name.contains("StaticArrayInitTypeSize") || info.name.contains("$ArrayType");
            if !exempt {
                return Err(self.load_error(
                    ty,
                    &format!("Value type instance size ({instance_size}) cannot be zero, negative, or bigger than 1Mb"),
                ));
            }
        }
        Ok(InstanceLayout {
            instance_size,
            min_align,
            has_references,
            is_value_type,
            fields: fields.iter().map(|&(f, _)| f).zip(offsets).collect(),
        })
    }

    /// A non-reference field that overlaps an object reference makes the GC misread memory;
    /// the CLR rejects such types (II.10.7), and so do we.
    fn check_reference_overlap(
        &self,
        ty: TypeHandle,
        fields: &[(FieldHandle, Storage)],
        offsets: &[u32],
    ) -> Result<()> {
        let ref_words: std::collections::BTreeSet<u32> = fields
            .iter()
            .zip(offsets)
            .filter(|((_, s), _)| s.is_reference)
            .map(|(_, &off)| off / POINTER_SIZE)
            .collect();
        if ref_words.is_empty() {
            return Ok(());
        }
        for (&(f, s), &off) in fields.iter().zip(offsets) {
            if s.has_references || s.size == 0 {
                continue;
            }
            let first = off / POINTER_SIZE;
            let last = (off + s.size - 1) / POINTER_SIZE;
            if ref_words.range(first..=last).next().is_some() {
                return Err(self.load_error(
                    ty,
                    &format!(
                        "it contains an object field at offset {} that is incorrectly aligned or overlapped by a non-object field ('{}')",
                        (first * POINTER_SIZE).saturating_sub(OBJECT_HEADER_SIZE),
                        self.field(f).name
                    ),
                ));
            }
        }
        Ok(())
    }
}

fn primitive_storage(p: Primitive) -> Storage {
    let (size, align) = p.size_align();
    Storage {
        size,
        align,
        has_references: false,
        is_reference: false,
    }
}

/// `align` capped by a non-zero `.pack`.
fn cap(align: u32, packing: u32) -> u32 {
    if packing != 0 {
        align.min(packing)
    } else {
        align
    }
}

pub(crate) fn round_up(value: u32, align: u32) -> u32 {
    if align <= 1 {
        value
    } else {
        value.div_ceil(align) * align
    }
}
