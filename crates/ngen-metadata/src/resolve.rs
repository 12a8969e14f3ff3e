//! Lookups the compiler, runtime and binder need: types by name, members of a type (through the
//! `#-` *Ptr indirection tables when present), the owner of a method or field, nesting, and
//! MemberRef parts; plus sorted-table range searches. Depends on rows, heaps and signatures.

use std::ops::Range;

use crate::Assembly;
use crate::error::{MetadataError, Result};
use crate::signature::{self, FieldSig, MethodSig};
use crate::tables::{CodedKind, TableId};
use crate::token::Token;

/// A MemberRef's signature: either a method or a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemberRefSig {
    Method(MethodSig),
    Field(FieldSig),
}

/// A MemberRef split into parts.
#[derive(Clone, Debug)]
pub struct MemberRefParts<'a> {
    pub parent: Token,
    pub name: &'a str,
    pub signature: MemberRefSig,
}

/// TypeAttributes visibility mask and nested values (II.23.1.15).
const VISIBILITY_MASK: u32 = 0x7;

impl Assembly {
    /// Rows `[lo, hi)` of a sorted `table` whose column `col` equals `key`. Uses binary search
    /// when the table is sorted, otherwise a linear scan that returns the first run found.
    pub fn equal_range(&self, table: TableId, col: usize, key: u32) -> Result<Range<u32>> {
        let n = self.row_count(table);
        if !self.is_sorted(table) {
            let mut first = None;
            for rid in 1..=n {
                let v = self.cell(table, rid, col)?;
                match (v == key, first) {
                    (true, None) => first = Some(rid),
                    (false, Some(f)) => return Ok(f..rid),
                    _ => {}
                }
            }
            return Ok(first.map_or(1..1, |f| f..n + 1));
        }
        let lower = |strict: bool| -> Result<u32> {
            let (mut lo, mut hi) = (1u32, n + 1);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                let v = self.cell(table, mid, col)?;
                if v < key || (strict && v == key) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            Ok(lo)
        };
        Ok(lower(false)?..lower(true)?)
    }

    /// Maps a position in a member list to a rid, going through the *Ptr table if present.
    fn through_ptr(&self, ptr: TableId, pos: u32) -> Result<u32> {
        if self.row_count(ptr) == 0 {
            Ok(pos)
        } else {
            self.cell(ptr, pos, 0)
        }
    }

    /// The run `[start, end)` of a list column: row `rid`'s value up to the next row's value
    /// (or the end of the target list).
    fn list_run(&self, owner: TableId, rid: u32, col: usize, list_len: u32) -> Result<Range<u32>> {
        let start = self.cell(owner, rid, col)?;
        let end = if rid < self.row_count(owner) {
            self.cell(owner, rid + 1, col)?
        } else {
            list_len + 1
        };
        let end = end.min(list_len + 1);
        Ok(start.min(end)..end)
    }

    fn list_len(&self, ptr: TableId, target: TableId) -> u32 {
        match self.row_count(ptr) {
            0 => self.row_count(target),
            n => n,
        }
    }

    /// The MethodDef rids of type `type_rid`'s methods.
    pub fn methods_of(&self, type_rid: u32) -> Result<Vec<u32>> {
        let len = self.list_len(TableId::MethodPtr, TableId::MethodDef);
        self.list_run(TableId::TypeDef, type_rid, 5, len)?
            .map(|p| self.through_ptr(TableId::MethodPtr, p))
            .collect()
    }

    /// The Field rids of type `type_rid`'s fields.
    pub fn fields_of(&self, type_rid: u32) -> Result<Vec<u32>> {
        let len = self.list_len(TableId::FieldPtr, TableId::Field);
        self.list_run(TableId::TypeDef, type_rid, 4, len)?
            .map(|p| self.through_ptr(TableId::FieldPtr, p))
            .collect()
    }

    /// The Param rids of method `method_rid`.
    pub fn params_of(&self, method_rid: u32) -> Result<Vec<u32>> {
        let len = self.list_len(TableId::ParamPtr, TableId::Param);
        self.list_run(TableId::MethodDef, method_rid, 5, len)?
            .map(|p| self.through_ptr(TableId::ParamPtr, p))
            .collect()
    }

    /// The TypeDef that owns list position `pos` of list column `col` (binary search on the
    /// non-decreasing list starts).
    fn owner_by_list(&self, col: usize, pos: u32) -> Result<Option<u32>> {
        let n = self.row_count(TableId::TypeDef);
        let (mut lo, mut hi) = (1u32, n + 1);
        // Find the last type whose list start <= pos.
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.cell(TableId::TypeDef, mid, col)? <= pos {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let mut t = lo.saturating_sub(1);
        // Skip types with empty runs that share the same start.
        while t >= 1 {
            let run = self.list_run(TableId::TypeDef, t, col, u32::MAX - 1)?;
            if run.contains(&pos) {
                return Ok(Some(t));
            }
            t -= 1;
        }
        Ok(None)
    }

    fn list_position(&self, ptr: TableId, rid: u32) -> Result<u32> {
        let n = self.row_count(ptr);
        if n == 0 {
            return Ok(rid);
        }
        for p in 1..=n {
            if self.cell(ptr, p, 0)? == rid {
                return Ok(p);
            }
        }
        Err(MetadataError::BadRowIndex {
            table: ptr,
            rid,
            count: n,
        })
    }

    /// The TypeDef rid that declares MethodDef `method_rid`.
    pub fn method_owner(&self, method_rid: u32) -> Result<u32> {
        let pos = self.list_position(TableId::MethodPtr, method_rid)?;
        self.owner_by_list(5, pos)?
            .ok_or(MetadataError::BadRowIndex {
                table: TableId::MethodDef,
                rid: method_rid,
                count: self.row_count(TableId::MethodDef),
            })
    }

    /// The TypeDef rid that declares Field `field_rid`.
    pub fn field_owner(&self, field_rid: u32) -> Result<u32> {
        let pos = self.list_position(TableId::FieldPtr, field_rid)?;
        self.owner_by_list(4, pos)?
            .ok_or(MetadataError::BadRowIndex {
                table: TableId::Field,
                rid: field_rid,
                count: self.row_count(TableId::Field),
            })
    }

    /// The enclosing type of a nested TypeDef, if it is nested.
    pub fn enclosing_type(&self, type_rid: u32) -> Result<Option<u32>> {
        let r = self.equal_range(TableId::NestedClass, 0, type_rid)?;
        if r.is_empty() {
            Ok(None)
        } else {
            Ok(Some(self.cell(TableId::NestedClass, r.start, 1)?))
        }
    }

    /// True if the TypeDef's visibility is one of the nested kinds.
    pub fn is_nested(&self, type_rid: u32) -> Result<bool> {
        Ok(self.type_def(type_rid)?.flags & VISIBILITY_MASK >= 2)
    }

    /// `Namespace.Name`, with nested types as `Outer/Inner` (ilasm / monodis style).
    pub fn type_def_full_name(&self, type_rid: u32) -> Result<String> {
        let mut parts = Vec::new();
        let mut rid = type_rid;
        for _ in 0..64 {
            let t = self.type_def(rid)?;
            parts.push(qualify(t.namespace, t.name));
            match self.enclosing_type(rid)? {
                Some(outer) if self.is_nested(rid)? => rid = outer,
                _ => break,
            }
        }
        parts.reverse();
        Ok(parts.join("/"))
    }

    /// `Namespace.Name` of a TypeRef, with nested references as `Outer/Inner`.
    pub fn type_ref_full_name(&self, type_ref_rid: u32) -> Result<String> {
        let mut parts = Vec::new();
        let mut rid = type_ref_rid;
        for _ in 0..64 {
            let t = self.type_ref(rid)?;
            parts.push(qualify(t.namespace, t.name));
            match t.resolution_scope.table() {
                Some(TableId::TypeRef) if !t.resolution_scope.is_null() => {
                    rid = t.resolution_scope.rid()
                }
                _ => break,
            }
        }
        parts.reverse();
        Ok(parts.join("/"))
    }

    /// The (namespace, name) of a TypeDef or TypeRef token.
    pub fn type_name(&self, token: Token) -> Result<(&str, &str)> {
        match token.table() {
            Some(TableId::TypeDef) => {
                let t = self.type_def(token.rid())?;
                Ok((t.namespace, t.name))
            }
            Some(TableId::TypeRef) => {
                let t = self.type_ref(token.rid())?;
                Ok((t.namespace, t.name))
            }
            _ => Err(MetadataError::BadToken(token.0)),
        }
    }

    /// A top-level (non-nested) TypeDef by namespace and name.
    pub fn find_type_def(&self, namespace: &str, name: &str) -> Result<Option<u32>> {
        for rid in 1..=self.row_count(TableId::TypeDef) {
            let t = self.type_def(rid)?;
            if t.name == name && t.namespace == namespace && t.flags & VISIBILITY_MASK < 2 {
                return Ok(Some(rid));
            }
        }
        Ok(None)
    }

    /// A nested TypeDef by enclosing type and name.
    pub fn find_nested_type_def(&self, enclosing: u32, name: &str) -> Result<Option<u32>> {
        for i in 1..=self.row_count(TableId::NestedClass) {
            let n = self.nested_class(i)?;
            if n.enclosing_class == enclosing && self.type_def(n.nested_class)?.name == name {
                return Ok(Some(n.nested_class));
            }
        }
        Ok(None)
    }

    /// A TypeDef by full name: `Ns.Name`, with nested types as `Ns.Outer/Inner` or `Ns.Outer+Inner`.
    pub fn find_type_def_by_full_name(&self, full_name: &str) -> Result<Option<u32>> {
        let mut parts = full_name.split(['/', '+']);
        let first = parts.next().unwrap_or("");
        let (ns, name) = match first.rfind('.') {
            Some(i) => (&first[..i], &first[i + 1..]),
            None => ("", first),
        };
        let Some(mut rid) = self.find_type_def(ns, name)? else {
            return Ok(None);
        };
        for inner in parts {
            match self.find_nested_type_def(rid, inner)? {
                Some(r) => rid = r,
                None => return Ok(None),
            }
        }
        Ok(Some(rid))
    }

    /// MethodDefs of `type_rid` named `name` whose signature satisfies `matches`.
    pub fn find_method(
        &self,
        type_rid: u32,
        name: &str,
        mut matches: impl FnMut(&MethodSig) -> bool,
    ) -> Result<Option<u32>> {
        for m in self.methods_of(type_rid)? {
            let row = self.method_def(m)?;
            if row.name == name && matches(&self.method_sig(row.signature)?) {
                return Ok(Some(m));
            }
        }
        Ok(None)
    }

    /// A field of `type_rid` by name.
    pub fn find_field(&self, type_rid: u32, name: &str) -> Result<Option<u32>> {
        for f in self.fields_of(type_rid)? {
            if self.field(f)?.name == name {
                return Ok(Some(f));
            }
        }
        Ok(None)
    }

    /// A MemberRef's parent, name and decoded signature.
    pub fn member_ref_parts(&self, rid: u32) -> Result<MemberRefParts<'_>> {
        let row = self.member_ref(rid)?;
        let blob = self.blob(row.signature)?;
        let signature = match blob.first() {
            Some(b) if b & 0x0f == 0x06 => MemberRefSig::Field(signature::field_sig(blob)?),
            _ => MemberRefSig::Method(signature::method_sig(blob)?),
        };
        Ok(MemberRefParts {
            parent: row.class,
            name: row.name,
            signature,
        })
    }
}

/// Lookups in the sorted "owner" tables (II.22: ClassLayout, FieldLayout, FieldRVA, Constant,
/// InterfaceImpl, GenericParam, NestedClass, ImplMap, MethodSemantics are sorted by owner).
impl Assembly {
    /// The first row of `table` whose column `col` equals `key`.
    fn first_row_with(&self, table: TableId, col: usize, key: u32) -> Result<Option<u32>> {
        let r = self.equal_range(table, col, key)?;
        Ok(if r.is_empty() { None } else { Some(r.start) })
    }

    fn coded_key(kind: CodedKind, token: Token) -> Result<u32> {
        kind.encode(token).ok_or(MetadataError::BadToken(token.0))
    }

    /// The explicit layout (packing size, class size) of a TypeDef, if it has one.
    pub fn class_layout_of(&self, type_rid: u32) -> Result<Option<crate::ClassLayoutRow>> {
        self.first_row_with(TableId::ClassLayout, 2, type_rid)?
            .map(|rid| self.class_layout(rid))
            .transpose()
    }

    /// The explicit offset of a field (`[FieldOffset]`), if it has one.
    pub fn field_offset_of(&self, field_rid: u32) -> Result<Option<u32>> {
        self.first_row_with(TableId::FieldLayout, 1, field_rid)?
            .map(|rid| Ok(self.field_layout(rid)?.offset))
            .transpose()
    }

    /// The RVA of a field's initial data (static arrays initialised from `.data`), if any.
    pub fn field_rva_of(&self, field_rid: u32) -> Result<Option<u32>> {
        self.first_row_with(TableId::FieldRva, 1, field_rid)?
            .map(|rid| Ok(self.field_rva(rid)?.rva))
            .transpose()
    }

    /// The default value (Constant row) of a Field, Param or Property token.
    pub fn constant_of(&self, parent: Token) -> Result<Option<crate::ConstantRow>> {
        let key = Self::coded_key(CodedKind::HasConstant, parent)?;
        self.first_row_with(TableId::Constant, 1, key)?
            .map(|rid| self.constant(rid))
            .transpose()
    }

    /// The interfaces a TypeDef declares it implements.
    pub fn interfaces_of(&self, type_rid: u32) -> Result<Vec<Token>> {
        self.equal_range(TableId::InterfaceImpl, 0, type_rid)?
            .map(|rid| Ok(self.interface_impl(rid)?.interface))
            .collect()
    }

    /// The GenericParam rids of a TypeDef or MethodDef token, in table (= number) order.
    pub fn generic_params_of(&self, owner: Token) -> Result<Vec<u32>> {
        let key = Self::coded_key(CodedKind::TypeOrMethodDef, owner)?;
        Ok(self.equal_range(TableId::GenericParam, 2, key)?.collect())
    }

    /// The constraints (TypeDefOrRef tokens) of a GenericParam.
    pub fn generic_param_constraints_of(&self, generic_param_rid: u32) -> Result<Vec<Token>> {
        self.equal_range(TableId::GenericParamConstraint, 0, generic_param_rid)?
            .map(|rid| Ok(self.generic_param_constraint(rid)?.constraint))
            .collect()
    }

    /// The TypeDefs nested directly inside `type_rid`.
    pub fn nested_types_of(&self, type_rid: u32) -> Result<Vec<u32>> {
        let mut out = Vec::new();
        for rid in 1..=self.row_count(TableId::NestedClass) {
            let n = self.nested_class(rid)?;
            if n.enclosing_class == type_rid {
                out.push(n.nested_class);
            }
        }
        Ok(out)
    }

    /// The native type blob (`FieldMarshal`, II.23.4) of a Field or Param, if it has one.
    pub fn field_marshal_of(&self, parent: Token) -> Result<Option<&[u8]>> {
        let key = Self::coded_key(CodedKind::HasFieldMarshal, parent)?;
        match self.first_row_with(TableId::FieldMarshal, 0, key)? {
            Some(rid) => Ok(Some(self.blob(self.field_marshal(rid)?.native_type)?)),
            None => Ok(None),
        }
    }

    /// The P/Invoke mapping of a MethodDef, if it is a P/Invoke.
    pub fn impl_map_of(&self, method_rid: u32) -> Result<Option<crate::ImplMapRow<'_>>> {
        let key = Self::coded_key(
            CodedKind::MemberForwarded,
            Token::new(TableId::MethodDef, method_rid),
        )?;
        self.first_row_with(TableId::ImplMap, 1, key)?
            .map(|rid| self.impl_map(rid))
            .transpose()
    }

    /// The MethodImpl rows (explicit overrides) declared by a TypeDef.
    pub fn method_impls_of(&self, type_rid: u32) -> Result<Vec<crate::MethodImplRow>> {
        self.equal_range(TableId::MethodImpl, 0, type_rid)?
            .map(|rid| self.method_impl(rid))
            .collect()
    }
}

fn qualify(namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        name.to_string()
    } else {
        format!("{namespace}.{name}")
    }
}
