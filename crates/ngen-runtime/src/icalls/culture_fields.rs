//! Stores into the fields of mscorlib's globalization mirrors (`CultureInfo`, `CultureData`,
//! `CalendarData`, `RegionInfo`) by name, as mono's `locales.c` sets `MonoCultureInfo` and
//! friends: the culture icalls' one way of writing managed objects.
//!
//! Depends on: [`crate::state::objects::core_field_offset`], [`crate::alloc`].

use crate::threads::current::write;

/// The offset of field `field` of the core library's `System.<class>`; a mirror without the
/// field is a runtime/class-library mismatch, fatal as in `icalls::thread`.
fn offset_of(class: &str, field: &str) -> u32 {
    crate::state::objects::core_field_offset(class, field)
        .unwrap_or_else(|e| crate::state::fatal(&format!("{class}.{field}: {e}")))
}

/// One object of one mirror class, written field by field.
pub(super) struct Mirror {
    pub obj: u64,
    pub class: &'static str,
}

impl Mirror {
    pub(super) fn int(&self, field: &str, value: i32) {
        write(self.obj, offset_of(self.class, field), value);
    }

    pub(super) fn byte(&self, field: &str, value: u8) {
        write(self.obj, offset_of(self.class, field), value);
    }

    pub(super) fn pointer(&self, field: &str, value: u64) {
        write(self.obj, offset_of(self.class, field), value);
    }

    /// A new string; `None` leaves the field null.
    pub(super) fn string(&self, field: &str, value: Option<&str>) {
        let string = value.map_or(0, |text| crate::alloc::string_from_str(text) as u64);
        write(self.obj, offset_of(self.class, field), string);
    }

    /// A new `string[]` of `items`.
    pub(super) fn strings(&self, field: &str, items: &[String]) {
        let array = crate::alloc::alloc_string_array(items) as u64;
        write(self.obj, offset_of(self.class, field), array);
    }
}
