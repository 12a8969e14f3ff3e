//! Differential tests of System.dll, System.Core and System.Xml running from their images
//! (issue 9): LINQ to Objects, `Regex`, `Uri`, `XmlDocument`/XPath/`XmlReader`/`XmlWriter`,
//! `XDocument`, files and environment, `Process.Start`. Each C# program in
//! tests/fixtures/system is compiled with mcs once and to native images with `ngen-build
//! compile` (next to the shared framework images, which include System, System.Core,
//! System.Xml and System.Xml.Linq), then run under `mono` and under `ngen-build run` in every
//! mode (`--jit never`, `--jit always`, the default): stdout, the first three stderr lines and
//! the exit code must be mono's.

use std::sync::OnceLock;

use ngen_tests::CompiledPrograms;

/// The fixture programs, named once.
const PROGRAMS: &[&str] = &[
    "linq",
    "regex",
    "uri",
    "xml",
    "xlinq",
    "files_env",
    "process",
    "process_names",
    "framework_instances",
];

/// Programs compiled once for the whole test binary, with their images.
fn fixtures() -> &'static CompiledPrograms {
    static F: OnceLock<CompiledPrograms> = OnceLock::new();
    F.get_or_init(|| {
        CompiledPrograms::with_references("system", PROGRAMS, &["System.Xml.Linq.dll"])
    })
}

#[test]
fn linq_queries_over_arrays_lists_and_dictionaries_match_mono() {
    fixtures().assert_like_mono("linq", &[]);
}

/// Framework code (non-generic LINQ aggregates, PLINQ, `HashSet<int>`, `Queue<int>`,
/// `SortedSet<int>`, Regex's parser, XPath) running instances of mscorlib's generics over value
/// types that System.Core's, System's and System.Xml's images leave to mscorlib's image, and of
/// System's that System.Core's leaves to System's (`backend/aot/held.rs`).
#[test]
fn framework_code_runs_value_type_instances_from_their_defining_image_like_mono() {
    fixtures().assert_like_mono("framework_instances", &[]);
}

#[test]
fn regex_matches_groups_replace_split_and_options_match_mono() {
    fixtures().assert_like_mono("regex", &[]);
}

#[test]
fn uri_parsing_relative_resolution_builder_and_escaping_match_mono() {
    fixtures().assert_like_mono("uri", &[]);
}

#[test]
fn xml_document_xpath_reader_and_indented_writer_match_mono() {
    fixtures().assert_like_mono("xml", &[]);
}

#[test]
fn xdocument_parse_query_and_build_match_mono() {
    fixtures().assert_like_mono("xlinq", &[]);
}

/// `Directory.CreateDirectory` and `File.Exists` reach corefx's `Interop.Sys` P/Invokes into
/// libmono-native (`SystemNative_Stat2`, ...), through the P/Invoke stubs of mscorlib's image.
#[test]
fn environment_variables_and_files_in_a_temporary_directory_match_mono() {
    fixtures().assert_like_mono("files_env", &[]);
}

/// `Process.Start` with redirected standard output, error and input (`MonoIO::CreatePipe`,
/// `Process::CreateProcess_internal`), exit codes through process wait handles, a program on
/// `PATH`, a missing program's `Win32Exception`, `UseShellExecute` and the current process's id
/// (in shape: pids differ between runs).
#[test]
fn process_start_of_echo_with_redirected_output_matches_mono() {
    fixtures().assert_like_mono("process", &[]);
}

/// `ProcessName` of this process (its program's name), of a child (`cat`) and of an exited
/// one; `GetProcesses` and `GetProcessesByName` finding both (`Process::GetProcesses_internal`,
/// `ProcessName_icall`, mono's `/proc` reading).
#[test]
fn process_names_and_listings_match_mono() {
    fixtures().assert_like_mono("process_names", &[]);
}
