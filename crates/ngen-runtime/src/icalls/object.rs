//! `System.Object`'s icalls (`icall-def.h` `OBJ_*`): `GetType`, `InternalGetHashCode`,
//! `MemberwiseClone`.

/// `InternalGetHashCode(object)`: Mono's address hash on 64-bit targets
/// (`mono_object_hash_internal`, `mono/metadata/monitor.c`): the address over 8, times
/// Knuth's multiplier, as 32 bits. Mono stores it in the lock word because SGen moves
/// objects; Boehm never does, so the address gives the same hash every time.
extern "C" fn internal_get_hash_code(obj: u64) -> i32 {
    ((obj >> 3) as u32).wrapping_mul(2_654_435_761) as i32
}

/// `GetType()`: the `System.RuntimeType` of `this`.
extern "C" fn get_type(this: u64) -> u64 {
    crate::state::objects::get_type(this)
}

/// `MemberwiseClone()`: a shallow copy of `this` (a class, a boxed value or an array: strings
/// are refused clearly until they can be cloned), with a zero sync word; registered for
/// finalization when its class has a finalizer, as Mono's `mono_object_clone`.
extern "C" fn memberwise_clone(this: u64) -> u64 {
    if let Some(info) = crate::state::arrays::try_array_info(this) {
        return super::array::clone_array(this, &info);
    }
    let (size, has_references) = match crate::state::objects::instance_shape(this) {
        Ok(shape) => shape,
        Err(e) => crate::state::fatal(&format!("System.Object::MemberwiseClone: {e}")),
    };
    let size = size as usize;
    let copy = crate::helpers::alloc_instance(size, has_references);
    // SAFETY: `this` is a live object of `size` bytes and `copy` a fresh block of as many; the
    // header's sync word (the second word) starts clear in the copy.
    unsafe {
        std::ptr::copy_nonoverlapping(this as *const u8, copy, size);
        copy.cast::<u64>().add(1).write(0);
    }
    if crate::state::finalizers::has_finalizer(this) {
        ngen_gc::finalization::register_for_finalization(copy as usize);
    }
    copy as u64
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("GetType", get_type as *const ()),
        ("InternalGetHashCode", internal_get_hash_code as *const ()),
        ("MemberwiseClone", memberwise_clone as *const ()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_codes_follow_monos_formula() {
        // (0x1000 >> 3) * 2654435761 mod 2^32, all 32 bits kept (Mono on 64-bit).
        assert_eq!(
            internal_get_hash_code(0x1000),
            512u32.wrapping_mul(2_654_435_761) as i32
        );
        assert_eq!(
            internal_get_hash_code(0x1008),
            513u32.wrapping_mul(2_654_435_761) as i32
        );
    }
}
