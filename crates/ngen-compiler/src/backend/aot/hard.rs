//! Hard binding (Ngen's, for `LoadHint.Always` edges): which calls of an image go straight to
//! a dependency image's code instead of through an import cell, and the symbols every image
//! exports so that images bound to it can do so.
//!
//! ## Model
//! Every image exports each compiled, non-private MethodDef under
//! `ngen_abi::image::exported_method_symbol(assembly, rid)` (an alias of the hidden function,
//! [`export_methods`]). An image compiled with hard dependencies declares, for every method
//! cell of its own non-generic code whose callee the type system resolves to a plain
//! (non-generic) method of such a dependency that the dependency's image exports, an imported
//! function of that name ([`declare_hard_calls`]); `AotEnv::call_target` then answers a direct
//! call to it, which the dynamic loader binds when the runtime maps the image (after mapping
//! the dependency, see `ngen-image`'s `link`). Anything else (virtual and interface dispatch,
//! generic instances, excluded callees, statics and method tables, which the runtime
//! allocates) keeps its cell: the translator is the same, only the environment's answer for
//! a callee differs.
//!
//! Depends on: cranelift-module/-object, [`crate::type_context`], [`crate::method`].

use std::collections::{BTreeMap, BTreeSet};

use cranelift_codegen::isa::CallConv;
use cranelift_module::{FuncId, Linkage, Module};
use cranelift_object::object::write::{Symbol, SymbolSection};
use cranelift_object::object::{SymbolFlags, SymbolKind, SymbolScope};
use cranelift_object::{ObjectModule, ObjectProduct};
use ngen_abi::image::{CellKey, CellKind, exported_method_symbol};
use ngen_metadata::flags::method_attributes::{MEMBER_ACCESS_MASK, PRIVATE};
use ngen_metadata::{Assembly, TableId, Token};
use ngen_typesystem::TypeKind;

use super::plan::FuncPlan;
use crate::backend::abi::clif_signature;
use crate::method::call_shape;
use crate::type_context::TypeContext;

/// A dependency image this image is hard-bound to, as the compiler needs it.
#[derive(Clone, Debug)]
pub struct HardImage {
    /// The dependency assembly's simple name, as its image spells it.
    pub name: String,
    /// The MethodDef rids its image exports.
    pub exports: BTreeSet<u32>,
}

/// Declares an imported function for every method cell (of the image's own, non-generic
/// code) whose callee a hard dependency's image exports: the cells the environment answers
/// with a direct call.
pub(super) fn declare_hard_calls(
    module: &mut ObjectModule,
    asm: &Assembly,
    types: &TypeContext,
    call_conv: CallConv,
    cells: &BTreeMap<CellKey, u32>,
    hard: &[HardImage],
) -> Result<BTreeMap<CellKey, FuncPlan>, String> {
    let mut out = BTreeMap::new();
    if hard.is_empty() {
        return Ok(out);
    }
    let mut declared: BTreeMap<String, (FuncId, cranelift_codegen::ir::Signature)> =
        BTreeMap::new();
    for key in cells.keys() {
        let token = Token(key.token);
        if key.kind != CellKind::Method
            || key.context != 0
            || token.table() != Some(TableId::MemberRef)
        {
            continue;
        }
        let Some((image, rid)) = hard_callee(asm, types, token, hard) else {
            continue;
        };
        let Ok(shape) = call_shape(types, asm, token) else {
            continue;
        };
        let symbol = exported_method_symbol(&image.name, rid);
        let sig = clif_signature(&shape, call_conv);
        let (id, sig) = match declared.get(&symbol) {
            // Two MemberRefs of one method: the same import (signatures agree, both being
            // the definition's).
            Some((id, declared_sig)) if *declared_sig == sig => (*id, sig),
            Some(_) => continue,
            None => {
                let id = module
                    .declare_function(&symbol, Linkage::Import, &sig)
                    .map_err(|e| e.to_string())?;
                declared.insert(symbol, (id, sig.clone()));
                (id, sig)
            }
        };
        out.insert(*key, FuncPlan { id, sig, shape });
    }
    Ok(out)
}

/// The hard dependency image and MethodDef rid `call token` reaches directly, if any: a
/// non-generic method of a non-generic type of that dependency, compiled into its image.
fn hard_callee<'h>(
    asm: &Assembly,
    types: &TypeContext,
    token: Token,
    hard: &'h [HardImage],
) -> Option<(&'h HardImage, u32)> {
    let mut inner = types.lock().ok()?;
    let (_, desc) = inner.method(asm, token).ok()?;
    if !desc.method_args.is_empty() || !matches!(inner.ts.kind(desc.owner), TypeKind::Def(..)) {
        return None;
    }
    let module = inner.ts.module_name(desc.module).to_string();
    let image = hard.iter().find(|h| h.name.eq_ignore_ascii_case(&module))?;
    image
        .exports
        .contains(&desc.rid)
        .then_some((image, desc.rid))
}

/// Exports the code of each compiled MethodDef in `compiled` (rid, function) that code
/// outside its assembly may call (not private), under its exported-method symbol; the core
/// library exports none.
pub(super) fn export_methods(
    product: &mut ObjectProduct,
    assembly: &str,
    asm: &Assembly,
    compiled: &[(u32, FuncId)],
) {
    if assembly.eq_ignore_ascii_case("mscorlib") {
        // Never hard-bound to (ngen-cache's `hard_edges`): its ~18,500 symbols would only
        // add 2 MB to its image.
        return;
    }
    let method_rows = asm.row_count(TableId::MethodDef);
    for &(rid, func) in compiled {
        if rid > method_rows {
            continue; // a generic instance: never bound to directly
        }
        let callable_outside = asm
            .method_def(rid)
            .map(|row| {
                let access = row.flags & MEMBER_ACCESS_MASK;
                access != PRIVATE && access != 0
            })
            .unwrap_or(false);
        if !callable_outside {
            continue;
        }
        let id = product.function_symbol(func);
        let defined = product.object.symbol(id);
        let (value, size, section) = (defined.value, defined.size, defined.section);
        if !matches!(section, SymbolSection::Section(_)) {
            continue;
        }
        product.object.add_symbol(Symbol {
            name: exported_method_symbol(assembly, rid).into_bytes(),
            value,
            size,
            kind: SymbolKind::Text,
            scope: SymbolScope::Dynamic,
            weak: false,
            section,
            flags: SymbolFlags::None,
        });
    }
}
