//! Custom attributes at run time (`MonoCustomAttrs`'s icalls): whether a reflection object
//! carries an attribute of a class, and the attribute objects themselves, built as Mono's
//! `mono_custom_attrs_construct_by_type` builds them: decode the blob (ECMA-335 II.23.3),
//! allocate the attribute, run its constructor with the positional arguments, then set the
//! named fields and properties in blob order.
//!
//! ## Model
//! The type system answers what the attributes are ([`AttributeData`]); the runtime lock is
//! held only to turn arguments into values and to find code, never while managed code runs
//! (a constructor may itself use reflection). Arguments are kept in a scanned block while
//! later ones are allocated and the constructor runs. An exception from a constructor or
//! setter stays pending and the icall returns null, so it propagates to the caller as in
//! Mono.
//!
//! Depends on: [`super::reflection`] (values, stores), [`crate::dynamic_call`] (calls),
//! [`crate::eh::pending`].

use ngen_compiler::runtime_types::{AbiClass, AttributeData, NamedMember, TypeHandle};

use super::reflection::{store, with_runtime};
use crate::dynamic_call::{self, Arg};

/// The argument a value of `class` with `bits` is for the trampoline.
pub(crate) fn arg_of(class: AbiClass, bits: u64) -> Arg {
    match class {
        AbiClass::F32 | AbiClass::F64 => Arg::Float(bits),
        _ => Arg::Int(bits),
    }
}

/// Whether an exception is in flight (left in place).
pub(crate) fn exception_pending() -> bool {
    match crate::eh::pending::take() {
        Some(e) => {
            crate::eh::pending::set(e);
            true
        }
        None => false,
    }
}

/// A scanned block of `n` words that keeps objects alive while Rust code holds them.
pub(crate) struct Kept(*mut u64);

impl Kept {
    pub(crate) fn new(n: usize) -> Kept {
        let block = ngen_gc::alloc(8 * n.max(1))
            .unwrap_or_else(|| super::fatal("out of memory keeping reflection arguments"));
        Kept(block.as_ptr().cast())
    }

    /// Records `obj` in slot `i`.
    pub(crate) fn set(&self, i: usize, obj: u64) {
        // SAFETY: callers index within the block's `n` words.
        unsafe { self.0.add(i).write(obj) };
    }
}

impl Drop for Kept {
    fn drop(&mut self) {
        // Keep the block (and so everything it holds) reachable from this frame until here.
        std::hint::black_box(self.0);
    }
}

/// `IsDefinedInternal(obj, attributeType)`: whether `provider` carries an attribute whose
/// class is `attribute_type` or derives from it (Mono's `mono_custom_attrs_has_attr`).
pub(crate) fn is_defined(provider: u64, attribute_type: u64) -> bool {
    with_runtime("MonoCustomAttrs.IsDefinedInternal", |rt| {
        let Some(target) = rt.attribute_target(provider)? else {
            return Ok(false);
        };
        let wanted = rt.type_of_type_object(attribute_type)?;
        for ty in rt.types.attribute_types(&target)? {
            if rt.types.is_assignable(ty, wanted)? {
                return Ok(true);
            }
        }
        Ok(false)
    })
}

/// `GetCustomAttributesInternal(obj, attributeType, pseudoAttrs)`: the attributes of
/// `provider` whose class is assignable to `attribute_type` (all when it is null), as a new
/// `Attribute[]`; null with the exception pending when a constructor or setter throws.
pub(crate) fn custom_attributes(provider: u64, attribute_type: u64) -> u64 {
    let (attributes, attribute_class) = with_runtime("MonoCustomAttrs.GetCustomAttributes", |rt| {
        let attribute_class = rt.types.type_named("mscorlib", "System", "Attribute")?;
        let Some(target) = rt.attribute_target(provider)? else {
            return Ok((Vec::new(), attribute_class));
        };
        let wanted = match attribute_type {
            0 => None,
            t => Some(rt.type_of_type_object(t)?),
        };
        let mut kept = Vec::new();
        for data in rt.types.custom_attributes(&target)? {
            if let Some(wanted) = wanted
                && !rt.types.is_assignable(data.attribute_type, wanted)?
            {
                continue;
            }
            kept.push(data);
        }
        Ok((kept, attribute_class))
    });
    let result = with_runtime("MonoCustomAttrs.GetCustomAttributes", |rt| {
        rt.new_vector(attribute_class, attributes.len())
    });
    for (i, data) in attributes.iter().enumerate() {
        let Some(obj) = construct(data) else {
            return 0;
        };
        let at = result + ngen_abi::object::ARRAY_DATA_OFFSET as u64 + 8 * i as u64;
        store(at, AbiClass::Reference, obj);
    }
    std::hint::black_box(result)
}

/// Builds one attribute: `None` when its constructor or a setter threw (left pending).
fn construct(data: &AttributeData) -> Option<u64> {
    let what = "custom attribute";
    let (obj, code, abi) = with_runtime(what, |rt| {
        let obj = rt.new_instance(data.attribute_type)?;
        let code = rt.instance_code_of(data.ctor)?;
        Ok((obj, code, rt.types.method_abi(data.ctor)?))
    });
    let kept = Kept::new(2 + data.fixed.len());
    kept.set(0, obj);
    let mut args = vec![Arg::Int(obj)];
    for (i, (value, &(ty, class))) in data.fixed.iter().zip(&abi.params).enumerate() {
        let bits = with_runtime(what, |rt| rt.attribute_value(value, ty, &data.scope));
        kept.set(i + 1, bits);
        args.push(arg_of(class, bits));
    }
    // SAFETY: `code` is the constructor's; `args` are `this` and its parameters' classes.
    unsafe { dynamic_call::call(code, &args) };
    if exception_pending() {
        return None;
    }
    for named in &data.named {
        let (member, bits, class) = with_runtime(what, |rt| {
            let member = rt
                .types
                .named_member(data.attribute_type, &named.name, named.is_field)?;
            let ty: TypeHandle = match member {
                NamedMember::Field { ty, .. } | NamedMember::Setter { ty, .. } => ty,
            };
            let bits = rt.attribute_value(&named.value, ty, &data.scope)?;
            Ok((member, bits, rt.types.abi_class_of(ty)?))
        });
        kept.set(1 + data.fixed.len(), bits);
        match member {
            NamedMember::Field { offset, .. } => store(obj + u64::from(offset), class, bits),
            NamedMember::Setter { method, .. } => {
                let code = with_runtime(what, |rt| rt.instance_code_of(method));
                // SAFETY: a setter takes `this` and one value of `class`.
                unsafe { dynamic_call::call(code, &[Arg::Int(obj), arg_of(class, bits)]) };
                if exception_pending() {
                    return None;
                }
            }
        }
    }
    drop(kept);
    Some(obj)
}
