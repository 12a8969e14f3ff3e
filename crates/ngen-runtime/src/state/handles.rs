//! The handles reflection hands to managed code in place of Mono's `MonoMethod*`,
//! `MonoClassField*` and `MonoProperty*`, and the member objects made from them.
//!
//! ## Model
//! A handle is the address of a leaked word (so it is a unique, non-null, pointer-like
//! value that no code address or object can equal), mapped to the type system's key and
//! back. Member objects (`RuntimeMethodInfo`, `RuntimeFieldInfo`, ...) are cached per (key,
//! reflected type's method table); they are rooted forever by their makers, so reference
//! equality holds as in Mono, which caches them per domain.
//!
//! Depends on: nothing but `std`.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

/// One kind of handle: values by key and back, objects by (key, reflected table).
pub(crate) struct HandleTable<K> {
    inner: Mutex<Option<Tables<K>>>,
}

struct Tables<K> {
    by_value: HashMap<u64, K>,
    by_key: HashMap<K, u64>,
    objects: HashMap<(K, u64), u64>,
}

impl<K: Copy + Eq + Hash> HandleTable<K> {
    pub(crate) const fn new() -> HandleTable<K> {
        HandleTable {
            inner: Mutex::new(None),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Tables<K>) -> R) -> R {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(guard.get_or_insert_with(|| Tables {
            by_value: HashMap::new(),
            by_key: HashMap::new(),
            objects: HashMap::new(),
        }))
    }

    /// The handle value of `key` (stable for the process).
    pub(crate) fn value(&self, key: K) -> u64 {
        self.with(|t| {
            if let Some(&v) = t.by_key.get(&key) {
                return v;
            }
            let v = Box::into_raw(Box::new(0u64)) as u64;
            t.by_value.insert(v, key);
            t.by_key.insert(key, v);
            v
        })
    }

    /// The key a handle value names, if this table handed it out.
    pub(crate) fn key(&self, value: u64) -> Option<K> {
        self.with(|t| t.by_value.get(&value).copied())
    }

    /// The member object made for (`key`, `reflected`), if any.
    pub(crate) fn object(&self, key: K, reflected: u64) -> Option<u64> {
        self.with(|t| t.objects.get(&(key, reflected)).copied())
    }

    /// Records the member object of (`key`, `reflected`).
    pub(crate) fn set_object(&self, key: K, reflected: u64, obj: u64) {
        self.with(|t| t.objects.insert((key, reflected), obj));
    }
}
