//! `testdata/Lines.exe.mdb`, written by `mcs -debug` for `testdata/Lines.cs` (MethodDefs:
//! 1 `.ctor`, 2 `Add`, 3 `Main`), and every truncation of it.

use super::*;

const MDB: &[u8] = include_bytes!("../../testdata/Lines.exe.mdb");

fn lines(points: &[SequencePoint]) -> Vec<(u32, u32)> {
    points.iter().map(|p| (p.il_offset, p.line)).collect()
}

#[test]
fn reads_mcs_line_tables() {
    let mdb = MdbFile::parse(MDB.to_vec()).unwrap();
    assert_eq!(mdb.files().len(), 1);
    assert!(mdb.files()[0].ends_with("Lines.cs"), "{:?}", mdb.files());
    let add = mdb.sequence_points(2).unwrap();
    // `{` at IL 0 (the nop), `int sum = a + b;` at 1, `return sum;` at 5, `}` at 0xc.
    assert_eq!(lines(&add), [(0, 6), (1, 7), (5, 8), (0xc, 9)], "{add:?}");
    assert!(add.iter().all(|p| p.file == 0 && p.column > 0), "{add:?}");
    let main = mdb.sequence_points(3).unwrap();
    let main_lines = lines(&main);
    for expected in [(1, 13), (9, 14), (0x11, 16), (0x44, 20)] {
        assert!(
            main_lines.contains(&expected),
            "{expected:?} in {main_lines:?}"
        );
    }
    assert!(main_lines.windows(2).all(|w| w[0].0 <= w[1].0));
    // Not in the file: no points.
    assert_eq!(mdb.sequence_points(99).unwrap(), []);
}

#[test]
fn locations_are_the_last_point_at_or_before_an_il_offset() {
    let file = crate::SymbolFile::parse(MDB.to_vec()).unwrap();
    let line_of = |il| {
        file.location(2, il)
            .unwrap()
            .map(|(f, line)| (f.ends_with("Lines.cs"), line))
    };
    // `Add`: points at 0 (line 6), 1 (7), 5 (8), 0xc (9).
    assert_eq!(line_of(0), Some((true, 6)));
    assert_eq!(line_of(4), Some((true, 7)));
    assert_eq!(line_of(5), Some((true, 8)));
    assert_eq!(line_of(0x40), Some((true, 9)));
    assert_eq!(file.location(99, 0).unwrap(), None);
}

#[test]
fn reads_local_names() {
    let mdb = MdbFile::parse(MDB.to_vec()).unwrap();
    // `Add`: `int sum` is local 0 (local 1 is the compiler's return temporary, unnamed).
    assert_eq!(mdb.local_names(2).unwrap(), [(0, "sum".to_string())]);
    let main: Vec<String> = mdb
        .local_names(3)
        .unwrap()
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    assert!(
        main.contains(&"x".to_string()) && main.contains(&"c".to_string()),
        "{main:?}"
    );
}

#[test]
fn bad_signature_and_version_are_typed_errors() {
    let mut bytes = MDB.to_vec();
    bytes[0] ^= 1;
    assert!(matches!(
        MdbFile::parse(bytes),
        Err(SymbolError::BadSignature { .. })
    ));
    let mut bytes = MDB.to_vec();
    bytes[8] = 49;
    assert!(matches!(
        MdbFile::parse(bytes),
        Err(SymbolError::UnsupportedVersion { major: 49, .. })
    ));
}

#[test]
fn truncated_or_corrupt_files_are_errors_not_panics() {
    for len in [0, 7, 12, 40, 100] {
        assert!(MdbFile::parse(MDB[..len].to_vec()).is_err());
    }
    crate::truncation::never_panics(MDB, MdbFile::parse, |mdb| {
        for rid in 0..5 {
            let _ = mdb.sequence_points(rid);
            let _ = mdb.local_names(rid);
        }
    });
}
