//! A small portable PDB built here byte by byte (this machine has no Roslyn to write one),
//! after the Portable PDB v1.0 layout, then read back; and every truncation of it.

use super::*;

/// ECMA-335 compressed unsigned integer.
fn compressed(v: u32, out: &mut Vec<u8>) {
    if v < 0x80 {
        out.push(v as u8);
    } else if v < 0x4000 {
        out.extend_from_slice(&((v as u16) | 0x8000).to_be_bytes());
    } else {
        out.extend_from_slice(&(v | 0xc000_0000).to_be_bytes());
    }
}

/// Compressed signed integer (rotated sign bit), for values that fit one or two bytes.
fn compressed_signed(v: i32, out: &mut Vec<u8>) {
    if (-64..64).contains(&v) {
        out.push((((v << 1) & 0x7e) | i32::from(v < 0)) as u8);
    } else {
        let r = (((v << 1) & 0x3ffe) | i32::from(v < 0)) as u16;
        out.extend_from_slice(&(r | 0x8000).to_be_bytes());
    }
}

struct Blobs(Vec<u8>);

impl Blobs {
    fn add(&mut self, data: &[u8]) -> u16 {
        let at = self.0.len() as u16;
        compressed(data.len() as u32, &mut self.0);
        self.0.extend_from_slice(data);
        at
    }
}

/// Two documents; method 1 has no points, method 2 three points (one hidden) in document 1
/// and one in document 2, method 3 one point in its row's document.
pub(crate) fn sample_pdb() -> Vec<u8> {
    let mut blobs = Blobs(vec![0]);
    let mut doc_name = |parts: &[&str]| {
        let ids: Vec<u16> = parts.iter().map(|p| blobs.add(p.as_bytes())).collect();
        let mut name = vec![b'/'];
        for id in ids {
            compressed(u32::from(id), &mut name);
        }
        blobs.add(&name)
    };
    let doc1 = doc_name(&["", "src", "App.cs"]);
    let doc2 = doc_name(&["", "src", "Other.cs"]);
    // Method 2: multi-document (row document 0, initial document 1).
    let mut m2 = Vec::new();
    compressed(0, &mut m2); // local signature
    compressed(1, &mut m2); // initial document
    // IL 0: line 10 col 9, 1 line, 5 columns.
    compressed(0, &mut m2);
    compressed(0, &mut m2);
    compressed(5, &mut m2);
    compressed(10, &mut m2);
    compressed(9, &mut m2);
    // IL 3: hidden.
    compressed(3, &mut m2);
    compressed(0, &mut m2);
    compressed(0, &mut m2);
    // IL 7: line 12 col 13 (deltas +2, +4), width 1 line, 3 columns.
    compressed(4, &mut m2);
    compressed(0, &mut m2);
    compressed(3, &mut m2);
    compressed_signed(2, &mut m2);
    compressed_signed(4, &mut m2);
    // document record: document 2.
    compressed(0, &mut m2);
    compressed(2, &mut m2);
    // IL 9: line 5 col 1 (deltas -7, -12).
    compressed(2, &mut m2);
    compressed(1, &mut m2);
    compressed_signed(0, &mut m2);
    compressed_signed(-7, &mut m2);
    compressed_signed(-12, &mut m2);
    let m2 = blobs.add(&m2);
    let mut m3 = Vec::new();
    compressed(0, &mut m3);
    compressed(0x20, &mut m3); // IL 0x20
    compressed(0, &mut m3);
    compressed(2, &mut m3);
    compressed(300, &mut m3); // two-byte line
    compressed(5, &mut m3);
    let m3 = blobs.add(&m3);
    while !blobs.0.len().is_multiple_of(4) {
        blobs.0.push(0);
    }

    // #Strings: "", "total", "CS$tmp", "x".
    let strings = b"\0total\0CS$tmp\0x\0\0\0\0\0".to_vec();
    let (total, tmp, x) = (1u16, 7u16, 14u16);

    let mut tables = Vec::new();
    tables.extend_from_slice(&[0, 0, 0, 0, 2, 0, 0, 1]);
    let valid: u64 = (1 << 0x30) | (1 << 0x31) | (1 << 0x32) | (1 << 0x33);
    tables.extend_from_slice(&valid.to_le_bytes());
    tables.extend_from_slice(&valid.to_le_bytes());
    for rows in [2u32, 3, 2, 3] {
        tables.extend_from_slice(&rows.to_le_bytes());
    }
    for doc in [doc1, doc2] {
        for col in [doc, 0, 0, 0] {
            tables.extend_from_slice(&col.to_le_bytes());
        }
    }
    for (doc, blob) in [(0u16, 0u16), (0, m2), (2, m3)] {
        tables.extend_from_slice(&doc.to_le_bytes());
        tables.extend_from_slice(&blob.to_le_bytes());
    }
    // LocalScope: Method, ImportScope, VariableList, ConstantList (2 bytes each), start, length.
    // Method 2 owns variables 1-2 (the second hidden), method 3 variable 3.
    for (method, list, start, len) in [(2u16, 1u16, 0u32, 10u32), (3, 3, 0x20, 4)] {
        for col in [method, 0, list, 1] {
            tables.extend_from_slice(&col.to_le_bytes());
        }
        tables.extend_from_slice(&start.to_le_bytes());
        tables.extend_from_slice(&len.to_le_bytes());
    }
    // LocalVariable: Attributes, Index, Name.
    for (attributes, index, name) in [(0u16, 0u16, total), (1, 1, tmp), (0, 2, x)] {
        for col in [attributes, index, name] {
            tables.extend_from_slice(&col.to_le_bytes());
        }
    }
    while !tables.len().is_multiple_of(4) {
        tables.push(0);
    }
    let mut pdb_stream = vec![0xab; 20];
    pdb_stream.extend_from_slice(&0u32.to_le_bytes());
    // The type system: 3 MethodDefs.
    pdb_stream.extend_from_slice(&(1u64 << 6).to_le_bytes());
    pdb_stream.extend_from_slice(&3u32.to_le_bytes());

    let version = b"PDB v1.0\0\0\0\0";
    let names: [&[u8]; 4] = [
        b"#Pdb\0\0\0\0",
        b"#~\0\0",
        b"#Blob\0\0\0",
        b"#Strings\0\0\0\0",
    ];
    let header_len = 16 + version.len() + 4 + names.iter().map(|n| 8 + n.len()).sum::<usize>();
    let mut out = Vec::new();
    out.extend_from_slice(&SIGNATURE.to_le_bytes());
    out.extend_from_slice(&[1, 0, 1, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&(version.len() as u32).to_le_bytes());
    out.extend_from_slice(version);
    out.extend_from_slice(&[0, 0, 4, 0]);
    let mut offset = header_len;
    for (name, data) in names.iter().zip([&pdb_stream, &tables, &blobs.0, &strings]) {
        out.extend_from_slice(&(offset as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(name);
        offset += data.len();
    }
    assert_eq!(out.len(), header_len);
    for data in [&pdb_stream, &tables, &blobs.0, &strings] {
        out.extend_from_slice(data);
    }
    out
}

fn point(il_offset: u32, file: usize, line: u32, column: u32) -> SequencePoint {
    SequencePoint {
        il_offset,
        file,
        line,
        column,
    }
}

#[test]
fn reads_documents_and_sequence_points() {
    let pdb = PortablePdb::parse(sample_pdb()).unwrap();
    assert_eq!(pdb.files(), ["/src/App.cs", "/src/Other.cs"]);
    assert_eq!(pdb.id(), [0xab; 20]);
    assert_eq!(pdb.sequence_points(1).unwrap(), []);
    assert_eq!(
        pdb.sequence_points(2).unwrap(),
        [point(0, 0, 10, 9), point(7, 0, 12, 13), point(9, 1, 5, 1)]
    );
    assert_eq!(pdb.sequence_points(3).unwrap(), [point(0x20, 1, 300, 5)]);
    // Past the table: no points, not an error.
    assert_eq!(pdb.sequence_points(4).unwrap(), []);
}

#[test]
fn reads_local_names_without_hidden_ones() {
    let pdb = PortablePdb::parse(sample_pdb()).unwrap();
    assert_eq!(pdb.local_names(1).unwrap(), []);
    assert_eq!(pdb.local_names(2).unwrap(), [(0, "total".to_string())]);
    assert_eq!(pdb.local_names(3).unwrap(), [(2, "x".to_string())]);
}

#[test]
fn dispatches_by_signature() {
    let file = crate::SymbolFile::parse(sample_pdb()).unwrap();
    assert!(matches!(file, crate::SymbolFile::Ppdb(_)));
    assert!(matches!(
        crate::SymbolFile::parse(b"MZ\0\0garbage".to_vec()),
        Err(SymbolError::BadSignature { .. })
    ));
}

#[test]
fn truncated_or_corrupt_files_are_errors_not_panics() {
    let bytes = sample_pdb();
    for len in [0, 3, 20, 60, bytes.len() - 1] {
        let r = PortablePdb::parse(bytes[..len].to_vec());
        assert!(r.is_err() || r.unwrap().sequence_points(3).is_err());
    }
    crate::truncation::never_panics(&bytes, PortablePdb::parse, |pdb| {
        for rid in 0..5 {
            let _ = pdb.sequence_points(rid);
            let _ = pdb.local_names(rid);
        }
    });
}
