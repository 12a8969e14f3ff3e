//! The type system's answers about delegates, as the translator needs them to synthesise the
//! runtime-implemented methods inline (as IL2CPP and crossgen2 do): which calls are a delegate
//! type's `Invoke`, and where `System.Delegate` keeps the code pointer and the target.
//!
//! ## Model
//! A delegate is an instance of a class derived from `System.MulticastDelegate` whose `.ctor`
//! and `Invoke` are `runtime managed` (ECMA-335 II.14.6). Its fields are mscorlib's
//! `System.Delegate` fields, laid out as Mono 6.8's `MonoDelegate` (`method_ptr` at 16,
//! `m_target` at 32, `MulticastDelegate.delegates` after them); the offsets come from the type system, never from constants, so images,
//! the JIT and the runtime agree by construction.
//!
//! Depends on: ngen-typesystem, [`super::TypeContext`]. Citations: ECMA-335 II.14.6;
//! Mono 6.8 `mono/metadata/object-internals.h` (`struct _MonoDelegate`),
//! `mcs/class/corlib/System/Delegate.cs`.

use ngen_metadata::{Assembly, Token};
use ngen_typesystem::{TypeHandle, TypeSystem, WellKnownType};

use super::TypeContext;

/// Where a delegate keeps what `Invoke` needs (byte offsets from the object's start).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DelegateFields {
    /// `Delegate.method_ptr`: the code the delegate calls.
    pub method_ptr: u32,
    /// `Delegate.m_target`: the receiver of a closed delegate, null for a static one.
    pub target: u32,
    /// `Delegate.method`: Mono's `MonoMethod*`; here the code address again, which
    /// `Delegate.Method` turns into a `MethodInfo` (one per method: `Delegate.Equals`).
    pub method: u32,
    /// `MulticastDelegate.delegates`: the parts of a combined delegate, else null.
    pub delegates: u32,
}

/// Whether `ty` derives from `System.MulticastDelegate` (every delegate type does).
pub(super) fn is_delegate_type(ts: &mut TypeSystem, ty: TypeHandle) -> bool {
    let Ok(multicast) = ts.well_known(WellKnownType::MulticastDelegate) else {
        return false;
    };
    ty != multicast
        && ts
            .ancestors(ty)
            .map(|chain| chain.contains(&multicast))
            .unwrap_or(false)
}

/// The offsets of `System.Delegate`'s `method_ptr` and `m_target`.
pub(super) fn delegate_fields(ts: &mut TypeSystem) -> Result<DelegateFields, String> {
    let delegate = ts
        .well_known(WellKnownType::Delegate)
        .map_err(|e| e.to_string())?;
    let multicast = ts
        .well_known(WellKnownType::MulticastDelegate)
        .map_err(|e| e.to_string())?;
    Ok(DelegateFields {
        method_ptr: field_offset(ts, delegate, "method_ptr")?,
        target: field_offset(ts, delegate, "m_target")?,
        method: field_offset(ts, delegate, "method")?,
        delegates: field_offset(ts, multicast, "delegates")?,
    })
}

/// The offset of `owner`'s instance field `name`.
fn field_offset(ts: &mut TypeSystem, owner: TypeHandle, name: &str) -> Result<u32, String> {
    let fields = ts.fields(owner).map_err(|e| e.to_string())?;
    let field = fields
        .iter()
        .copied()
        .find(|f| ts.field(*f).name == name)
        .ok_or_else(|| format!("{} has no field {name}", ts.type_name(owner)))?;
    ts.field_offset(field).map_err(|e| e.to_string())
}

impl TypeContext {
    /// Whether `token` (an `ldftn` operand of `asm`) is an instance method of a value type:
    /// a delegate over it needs an unboxing entry (Mono's unbox trampoline), not done yet.
    pub fn is_value_type_instance_method(&self, asm: &Assembly, token: Token) -> bool {
        let Ok(mut inner) = self.lock() else {
            return false;
        };
        let Ok((_, desc)) = inner.method(asm, token) else {
            return false;
        };
        !desc.is_static()
            && inner
                .ts
                .class_info(desc.owner)
                .is_ok_and(|info| info.is_value_type())
    }

    /// The delegate fields, when `token` (a `call`/`callvirt` operand of `asm`) is the
    /// `Invoke` of a delegate type (a generic instance's included); `None` for any other.
    pub fn delegate_invoke(&self, asm: &Assembly, token: Token) -> Option<DelegateFields> {
        let mut inner = self.lock().ok()?;
        let (_, desc) = inner.method(asm, token).ok()?;
        if desc.name != "Invoke" || desc.is_static() {
            return None;
        }
        let ts = &mut inner.ts;
        if !is_delegate_type(ts, desc.owner) {
            return None;
        }
        delegate_fields(ts).ok()
    }
}
