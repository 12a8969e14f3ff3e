//! Native image layout constants: exported symbols, header framing and import cells.
//!
//! A native image is an ELF shared object that exports two data symbols (and its methods, see
//! [`exported_method_symbol`]):
//!
//! | symbol | contents |
//! |---|---|
//! | [`HEADER_SYMBOL`] | header: [`HEADER_MAGIC`] (8 bytes), format version (u32 LE), body length (u32 LE), body (UTF-8 JSON, see `ngen-image`), then the packed cell, instance and excluded tables |
//! | [`TABLES_SYMBOL`] | an [`ImageTables`]: addresses and lengths of the method table, the import cells and the helper table |
//!
//! The three tables themselves are hidden (not exported) so compiled code reaches them
//! PC-relative, without GOT indirection or preemptible symbols.
//! - method table: `u64` code addresses; entry `rid - 1` is MethodDef row `rid`'s compiled code, or 0;
//! - import cells: [`ImportCell`]s in the order the header lists them;
//! - helper table: [`crate::helpers::HELPER_COUNT`] `u64` slots, zero in the file, filled by the runtime.

use std::mem::{offset_of, size_of};

/// Symbol of the image header.
pub const HEADER_SYMBOL: &str = "__ngen_image";
/// Symbol of the [`ImageTables`] directory.
pub const TABLES_SYMBOL: &str = "__ngen_tables";
/// Symbol of the (hidden) method table.
pub const METHODS_SYMBOL: &str = "ngen_methods";
/// Symbol of the (hidden) import cells.
pub const CELLS_SYMBOL: &str = "ngen_cells";
/// Symbol of the (hidden) helper table.
pub const HELPERS_SYMBOL: &str = "ngen_helpers";

/// Prefix of the dynamic symbols an image exports for its compiled, non-private MethodDefs,
/// which hard-bound images call directly (docs/native-images.md, "Hard binding").
pub const EXPORTED_METHOD_PREFIX: &str = "__ngen_method$";

/// The dynamic symbol under which the image of `assembly` exports MethodDef `rid`'s code:
/// `__ngen_method$<assembly>$<rid>`. The assembly's simple name keeps the symbols of an image
/// and of the images it is hard-bound to apart in one lookup scope.
pub fn exported_method_symbol(assembly: &str, rid: u32) -> String {
    format!("{EXPORTED_METHOD_PREFIX}{assembly}${rid}")
}

/// The MethodDef rid of an exported method symbol of `assembly`'s image, if it is one.
pub fn exported_method_rid(assembly: &str, symbol: &str) -> Option<u32> {
    symbol
        .strip_prefix(EXPORTED_METHOD_PREFIX)?
        .strip_prefix(assembly)?
        .strip_prefix('$')?
        .parse()
        .ok()
}

/// The directory of an image's tables, exported as [`TABLES_SYMBOL`] (addresses relocated by the loader).
#[repr(C)]
#[derive(Debug)]
pub struct ImageTables {
    /// `method_count` code addresses, indexed by MethodDef `rid - 1`; 0 where not compiled.
    pub methods: *const u64,
    pub method_count: u64,
    /// `cell_count` import cells.
    pub cells: *mut ImportCell,
    pub cell_count: u64,
    /// `helper_count` helper slots ([`crate::helpers::HELPER_COUNT`]).
    pub helpers: *mut u64,
    pub helper_count: u64,
}

/// Size of [`ImageTables`] in bytes.
pub const IMAGE_TABLES_SIZE: usize = size_of::<ImageTables>();
/// Offset of [`ImageTables::methods`] (the compiler writes the table as bytes and relocations).
pub const TABLES_METHODS_OFFSET: usize = offset_of!(ImageTables, methods);
/// Offset of [`ImageTables::method_count`].
pub const TABLES_METHOD_COUNT_OFFSET: usize = offset_of!(ImageTables, method_count);
/// Offset of [`ImageTables::cells`].
pub const TABLES_CELLS_OFFSET: usize = offset_of!(ImageTables, cells);
/// Offset of [`ImageTables::cell_count`].
pub const TABLES_CELL_COUNT_OFFSET: usize = offset_of!(ImageTables, cell_count);
/// Offset of [`ImageTables::helpers`].
pub const TABLES_HELPERS_OFFSET: usize = offset_of!(ImageTables, helpers);
/// Offset of [`ImageTables::helper_count`].
pub const TABLES_HELPER_COUNT_OFFSET: usize = offset_of!(ImageTables, helper_count);

/// First 8 bytes of the header.
pub const HEADER_MAGIC: [u8; 8] = *b"NGENIMG\0";
/// Size of the fixed header prefix: magic, format version, body length.
pub const HEADER_PREFIX_SIZE: usize = 16;

/// A lazily resolved reference from compiled code to something the runtime provides: a
/// method (in this image, another image, an icall or the JIT) or a string literal.
///
/// Compiled code loads `target`; when it is 0 it calls [`crate::helpers::HelperId::ResolveCell`]
/// with the cell's address and uses the returned value. `key` belongs to the runtime: an
/// image is written with 0 there, and the runtime stores a pointer to its own description of
/// the cell when the cell is first resolved (a JIT cell or dictionary slot gets it when made).
#[repr(C)]
#[derive(Debug)]
pub struct ImportCell {
    /// Code address (method cells) or object address (string cells); 0 until resolved.
    pub target: u64,
    /// Runtime-owned: identifies what the cell refers to.
    pub key: u64,
}

/// Size of one [`ImportCell`].
pub const CELL_SIZE: i32 = 16;
/// Offset of [`ImportCell::target`].
pub const CELL_TARGET_OFFSET: i32 = 0;
/// Offset of [`ImportCell::key`].
pub const CELL_KEY_OFFSET: i32 = 8;

/// Defines `CellKind` from one list, so the stored values, `ALL` and `from_u32` cannot drift
/// apart. Append, never reorder.
macro_rules! cell_kinds {
    ($( $(#[$doc:meta])* $name:ident = $id:literal; )*) => {
        /// What an import cell refers to. Stored in the image header next to the metadata token.
        #[repr(u32)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum CellKind {
            $( $(#[$doc])* $name = $id, )*
        }

        impl CellKind {
            /// Every kind, in stored-value order.
            pub const ALL: [CellKind; [$($id),*].len()] = [$(Self::$name),*];

            /// The kind with this stored value.
            pub fn from_u32(v: u32) -> Option<CellKind> {
                match v {
                    $( $id => Some(Self::$name), )*
                    _ => None,
                }
            }
        }
    };
}

cell_kinds! {
    /// A method: the token is a MethodDef or MemberRef of the image's own assembly.
    Method = 0;
    /// A string literal: the token is a user-string (`0x70`) token of the image's assembly.
    String = 1;
    /// A `constrained. T callvirt M` call: the token is `M` (MethodDef or MemberRef) and the
    /// cell's auxiliary token is `T` (TypeDef or TypeRef); resolves to `T`'s implementation.
    ConstrainedMethod = 2;
    /// A static field (`ldsfld`, `stsfld`, `ldsflda`): the token is a Field or MemberRef of
    /// the image's assembly; resolves to the address of the field's storage.
    StaticField = 3;
    /// The method table of the class whose constructor (MethodDef or MemberRef: `newobj`) or
    /// type (TypeDef or TypeRef: `castclass`, `isinst`) the token names; resolves to the
    /// table's address
    /// ([`crate::object::METHOD_TABLE_SLOTS_OFFSET`]).
    MethodTable = 4;
    /// A value type's own instance method entered through a box (a vtable slot of a boxed
    /// value type, an interface call on one): the token is its MethodDef; resolves to an
    /// unboxing stub that moves `this` past the object header, then jumps to the method.
    /// Only the runtime creates these (in method tables); images never list them.
    UnboxingMethod = 5;
    /// The method table of the vector `T[]` whose element type `T` the token names (TypeDef,
    /// TypeRef or TypeSpec: the operand of `newarr`), which `newarr` stores in the new array.
    ArrayMethodTable = 6;
    /// The `System.RuntimeType` object of the type a TypeDef, TypeRef or TypeSpec token names
    /// (`typeof`: `ldtoken T; call Type::GetTypeFromHandle`); resolves to the object, which
    /// the runtime keeps alive for the process.
    TypeObject = 7;
    /// The type initialisation check at the entry of a static method or instance constructor
    /// of a class with a precise `.cctor` (not `beforefieldinit`, ECMA-335 II.10.5.3.1): the
    /// token is the class's TypeDef; the cell resolves to 1 after the runtime has started the
    /// `.cctor` (once per type, whichever cell asks first).
    ClassInit = 8;
    /// The native function a P/Invoke (a MethodDef with an ImplMap row) calls: the token is
    /// the MethodDef; resolved on the first call of its marshalling stub by the runtime
    /// (dllmap, `dlopen`, `dlsym`, as mono does). A library or entry point that cannot be
    /// found leaves the cell 0 and `DllNotFoundException`/`EntryPointNotFoundException`
    /// pending ([`crate::pinvoke`]).
    PInvoke = 9;
}

/// What one import cell refers to: its kind, the metadata token, an auxiliary token (the
/// constraint type of a [`CellKind::ConstrainedMethod`] cell, else 0), and the generic
/// context the tokens resolve in (0: none; `n`: the image header's context `n - 1`, the
/// instantiation of the generic method instance whose code uses the cell, so `call !0::Foo`
/// resolves per instance). Ordered as the image header lists cells: by kind, then token, aux
/// and context.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellKey {
    pub kind: CellKind,
    pub token: u32,
    pub aux: u32,
    pub context: u32,
}

impl CellKey {
    /// The key of a cell with no auxiliary token, outside any generic context.
    pub const fn new(kind: CellKind, token: u32) -> CellKey {
        CellKey {
            kind,
            token,
            aux: 0,
            context: 0,
        }
    }

    /// This key in generic context `context` (see the type's documentation).
    pub const fn in_context(self, context: u32) -> CellKey {
        CellKey { context, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_layout_is_six_words() {
        // The documented format: six u64, pointers and counts interleaved.
        assert_eq!(IMAGE_TABLES_SIZE, 48);
        let offsets = [
            TABLES_METHODS_OFFSET,
            TABLES_METHOD_COUNT_OFFSET,
            TABLES_CELLS_OFFSET,
            TABLES_CELL_COUNT_OFFSET,
            TABLES_HELPERS_OFFSET,
            TABLES_HELPER_COUNT_OFFSET,
        ];
        assert_eq!(offsets, [0, 8, 16, 24, 32, 40]);
    }

    #[test]
    fn cell_kinds_round_trip() {
        for (i, kind) in CellKind::ALL.into_iter().enumerate() {
            assert_eq!(kind as usize, i);
            assert_eq!(CellKind::from_u32(kind as u32), Some(kind));
        }
        assert_eq!(CellKind::from_u32(CellKind::ALL.len() as u32), None);
    }

    #[test]
    fn cell_layout_matches_constants() {
        assert_eq!(size_of::<ImportCell>() as i32, CELL_SIZE);
        assert_eq!(offset_of!(ImportCell, target) as i32, CELL_TARGET_OFFSET);
        assert_eq!(offset_of!(ImportCell, key) as i32, CELL_KEY_OFFSET);
    }

    #[test]
    fn exported_method_symbols_round_trip_per_assembly() {
        let symbol = exported_method_symbol("Lib.Core", 12);
        assert_eq!(symbol, "__ngen_method$Lib.Core$12");
        assert_eq!(exported_method_rid("Lib.Core", &symbol), Some(12));
        assert_eq!(exported_method_rid("Lib", &symbol), None);
        assert_eq!(exported_method_rid("Lib.Core", "__ngen_image"), None);
    }
}
