//! Exact generic instances served by canonical shared code: an image's one body for a
//! generic MethodDef and canonical form runs every instantiation of that form. The form over
//! `System.Object` for every generic parameter serves every instantiation whose type
//! arguments are all reference types; a framework image also has forms mixing value types
//! (`Pair<Object,int>` serves `Pair<string,int>` and `Pair<Foo,int>`: reference arguments
//! replaced by `System.Object`, value types exact). `ngen_compiler`'s `aot/shared.rs` says how
//! the body is compiled.
//!
//! ## Model
//! Per exact instance the runtime makes, once, a **dictionary**: one import cell per slot the
//! image lists for the shared code, keyed like the image's cell but resolving in the exact
//! instance's generic context (so `newobj G<T>`, `typeof(T)`, casts, statics of `G<T>` and
//! calls to other instances resolve for `G<Foo>`, lazily, through [`super::resolve_cell`]),
//! and an **instantiating stub** that loads the dictionary into the code's hidden argument
//! register and jumps to it ([`crate::stubs::instantiating_stub`]). The stub is the
//! instance's entry point for every caller: method cells, method-table slots, interface
//! dispatch, delegates and reflection. An exact instance an image holds is preferred; the
//! JIT compiles what neither serves.
//!
//! ## Cost
//! A dictionary slot is a cell load and a test per use, as an ordinary cell; the stub adds
//! two `movabs` and a jump per call. Every cell of the body is a slot, context-dependent or
//! not, so a string literal is resolved once per instantiation. A real dictionary in the
//! method table (mono's RGCTX, crossgen2's generic lookups) would share the slots of all
//! methods of `G<Foo>` and spare the stub for instance methods of generic classes (`this`
//! names the instantiation).
//!
//! Depends on: the parent module's state and cell descriptors, [`crate::gc_roots`],
//! [`crate::stubs`].

use ngen_compiler::type_context::MethodInstance;

use super::{Runtime, new_cell_key_in};
use crate::log;

impl Runtime {
    /// The entry of `instance` (a method of assembly `id`) through its image's shared code,
    /// when the image has shared code for its MethodDef in the instance's canonical form (over
    /// `System.Object` alone when every type argument is a reference type, else the form
    /// [`TypeContext::canonical_form`] gives); made once per instance.
    ///
    /// [`TypeContext::canonical_form`]: ngen_compiler::type_context::TypeContext::canonical_form
    pub(super) fn shared_instance_code(
        &mut self,
        id: usize,
        instance: &MethodInstance,
    ) -> Result<Option<u64>, String> {
        let form = if self.types.all_reference_types(&instance.generics) {
            0
        } else {
            match self.types.canonical_form(&instance.generics) {
                Some(form) => self.generic_context(&form),
                None => return Ok(None),
            }
        };
        let Some(shared) = self.shared_code.get(&(id, instance.rid, form)) else {
            return Ok(None);
        };
        let (code, register) = (shared.code, shared.register);
        let slots = shared.slots.clone();
        let context = self.generic_context(&instance.generics);
        let dictionary = crate::gc_roots::alloc_cells(slots.len());
        for (i, key) in slots.iter().enumerate() {
            let desc = new_cell_key_in(id, key.kind, key.token, key.aux, context, None);
            // SAFETY: `dictionary` holds `slots.len()` zeroed, writable cells.
            unsafe { (*dictionary.add(i)).key = desc };
        }
        let (stub, size) = crate::stubs::instantiating_stub(code, register, dictionary as u64)?;
        // The stub names the instance, so a delegate made on it knows its method.
        crate::code_map::add_stub((id, instance.rid, context), (stub, size));
        log::binding(|| {
            format!(
                "{}: {} from the shared code of its image",
                self.assemblies[id].name,
                self.types.method_instance_name(instance.handle)
            )
        });
        Ok(Some(stub))
    }
}
