//! The type system's answers for P/Invoke marshalling ([`crate::pinvoke`]): which of the
//! classes mono marshals specially a class token names (`StringBuilder`, a `SafeHandle`).
//!
//! Depends on: ngen-typesystem (`find_type`, `is_assignable_to`), [`super::TypeContext`].

use ngen_metadata::{Assembly, Token};

use super::TypeContext;

/// What a class in a P/Invoke signature is to the marshaller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InteropClass {
    /// `System.Text.StringBuilder`: a native character buffer, copied back after the call.
    StringBuilder,
    /// `System.Runtime.InteropServices.SafeHandle` or a class derived from it.
    SafeHandle,
    /// Any other class (mono marshals classes with layout; not done here).
    Other,
}

impl TypeContext {
    /// What the class `token` of `asm` names is to the marshaller.
    pub fn interop_class(&self, asm: &Assembly, token: Token) -> Result<InteropClass, String> {
        let mut inner = self.lock()?;
        let ty = inner.type_of(asm, token)?;
        let corlib = inner.ts.corlib();
        let err = |e: ngen_typesystem::TypeSystemError| e.to_string();
        if inner
            .ts
            .find_type(corlib, "System.Text", "StringBuilder")
            .map_err(err)?
            == Some(ty)
        {
            return Ok(InteropClass::StringBuilder);
        }
        if let Some(safe_handle) = inner
            .ts
            .find_type(corlib, "System.Runtime.InteropServices", "SafeHandle")
            .map_err(err)?
            && inner.ts.is_assignable_to(ty, safe_handle).map_err(err)?
        {
            return Ok(InteropClass::SafeHandle);
        }
        Ok(InteropClass::Other)
    }
}
