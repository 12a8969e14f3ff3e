//! Every overload in ngen-corlib's resolve table names a real public method of mono 6.8's
//! mscorlib with exactly that signature (checked by reflection), so the table never promises
//! a method that compiled code cannot reference.

use ngen_corlib::ValueKind;
use ngen_corlib::resolve::all_methods;
use ngen_tests::mono_fixture_stdout;
use std::collections::BTreeSet;

/// The fixture's spelling of a kind (`ByRefI4` for `int32&`).
fn kind(k: ValueKind) -> String {
    match k {
        ValueKind::ByRef(inner) => format!("ByRef{}", kind(*inner)),
        other => format!("{other:?}"),
    }
}

#[test]
fn every_resolvable_overload_exists_in_mscorlib() {
    let mscorlib: BTreeSet<String> = mono_fixture_stdout("corlib", "SurfaceSignatures.cs", &[])
        .lines()
        .map(str::to_string)
        .collect();
    let mut missing = Vec::new();
    let mut checked = 0;
    for (m, _) in all_methods() {
        let params: Vec<String> = m.params.iter().map(|&p| kind(p)).collect();
        let line = format!(
            "{}::{} {} {}({})",
            m.type_name,
            m.method,
            if m.has_this { "instance" } else { "static" },
            kind(m.ret),
            params.join(", ")
        );
        if !mscorlib.contains(&line) {
            missing.push(line);
        }
        checked += 1;
    }
    // What remains of the surface: Math's internal calls as mono's JIT runs them.
    assert!(checked >= 20, "only {checked} overloads in the table");
    assert!(
        missing.is_empty(),
        "not public methods of mono's mscorlib: {missing:#?}"
    );
}
