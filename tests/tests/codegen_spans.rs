//! Differential tests of `Span<T>` and the code mscorlib builds on it (issue 7): the JIT
//! intrinsics `ByReference<T>`, `Span<T>.get_Item`, `Unsafe` and friends are expanded by the
//! translator (`backend/translate/span_intrinsics.rs`, `unsafe_intrinsics.rs`), so
//! mscorlib's CoreFX string code runs from its image. Each C# program in
//! tests/fixtures/spans is compiled with mcs once and to native images with `ngen-build
//! compile` (next to the shared framework images), then run under `mono` and under
//! `ngen-build run`: stdout, the first three stderr lines and the exit code must be mono's
//! under `--jit never` (images only), `--jit always` and the default.

use std::sync::OnceLock;

use ngen_tests::{CompiledPrograms, assert_exactly_like_mono};

/// The fixture programs, named once.
const PROGRAMS: &[&str] = &[
    "span_basics",
    "span_apis",
    "span_out_of_range",
    "strings",
    "wordcount",
    "enum_keys",
    "copies",
];

/// Programs compiled once for the whole test binary, with their images.
fn fixtures() -> &'static CompiledPrograms {
    static F: OnceLock<CompiledPrograms> = OnceLock::new();
    F.get_or_init(|| CompiledPrograms::new("spans", PROGRAMS))
}

#[test]
fn spans_over_arrays_strings_and_stackalloc_index_slice_copy_and_survive_collections() {
    fixtures().assert_like_mono("span_basics", &[]);
}

#[test]
fn memory_segments_marshal_casts_searches_formatting_and_checked_slices_match_mono() {
    fixtures().assert_like_mono("span_apis", &[]);
}

/// Mono expands `Span<T>.get_Item` inline: the exception comes from the indexing frame, with
/// no `get_Item` or `ThrowHelper` frame; the whole report must be mono's.
#[test]
fn a_span_index_out_of_range_throws_from_the_indexing_frame_with_monos_trace() {
    let f = fixtures();
    let exe = f.bin.join("span_out_of_range.exe");
    assert_exactly_like_mono(&exe, &f.images, &[], &["never", "always", "default"]);
}

#[test]
fn split_join_concat_case_stringbuilder_formatting_sort_and_reverse_run_from_mscorlib() {
    fixtures().assert_like_mono("strings", &[]);
}

/// The string- and dictionary-heavy program issue 8 benchmarks (`wordcount.exe [words]
/// [file]`), at its default size and a larger one.
#[test]
fn the_word_count_program_matches_mono() {
    fixtures().assert_like_mono("wordcount", &[]);
    fixtures().assert_like_mono("wordcount", &["100000"]);
}

/// `EnumEqualityComparer<T>` hashes through `JitHelpers.UnsafeEnumCast`, i.e. the
/// `Array.UnsafeMov` intrinsic. Mscorlib's `EqualityComparer<T>.CreateComparer` first asks
/// `Type.GetTypeCode` of the enum (the `RuntimeType::GetTypeCodeImplInternal` icall).
#[test]
fn dictionaries_keyed_by_enums_of_every_size_match_mono() {
    fixtures().assert_like_mono("enum_keys", &[]);
}

/// Every method of the programs compiles into their images: the intrinsics leave nothing
/// excluded but generic definitions.
#[test]
fn the_fixtures_compile_whole_but_for_generic_definitions() {
    for program in PROGRAMS {
        for entry in fixtures().excluded(program) {
            let reason = entry["reason"].as_str().unwrap_or_default();
            assert!(
                reason.starts_with("no IL body") || reason == "generic method",
                "{program}: {} excluded: {reason}",
                entry["name"]
            );
        }
    }
}

/// Copies through `Buffer.Memmove` (the runtime's memmove helper in compiled code): span
/// copies overlapping forwards and backwards within one array, zero-length ones, strings
/// built and cut a few characters at a time; and mono's own copies next to them (overlapping
/// `Buffer.BlockCopy`, `Array.Copy`, and `Buffer.MemoryCopy`, whose forward loops smear).
#[test]
fn overlapping_and_empty_copies_write_the_bytes_mono_writes() {
    fixtures().assert_like_mono("copies", &[]);
}
