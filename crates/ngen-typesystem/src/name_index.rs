//! A compact index of a module's rows by (namespace, name): TypeDefs and ExportedTypes.
//!
//! Model: the index keeps only a 64-bit hash of each name with its row id, sorted, and the
//! caller confirms a candidate against the row itself (the strings live in the mapped
//! assembly, so re-reading them is cheap). A map of owned `(String, String)` keys cost
//! ~0.3 MiB of private heap per process for mscorlib's ~2,400 types, a quarter of what an
//! `ngen-build run` instance holds privately (docs/BENCHMARKS.md section 10); this is 16 bytes
//! a row. Rows whose names collide are all candidates, in row order, so the first matching
//! row wins, as a first-insert map did.
//!
//! Depends on: nothing (FNV-1a, written out because it is ten lines and must be stable).

/// Row ids by the hash of their (namespace, name).
#[derive(Debug, Default)]
pub(crate) struct NameIndex {
    /// (hash, row id), sorted.
    entries: Vec<(u64, u32)>,
}

impl NameIndex {
    /// Builds the index over `(namespace, name, rid)` rows.
    #[cfg(test)]
    fn new<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str, u32)>) -> Self {
        let mut builder = NameIndexBuilder::default();
        for (namespace, name, rid) in rows {
            builder.add(namespace, name, rid);
        }
        builder.build()
    }

    /// The first row, in row order, that may be (namespace, name) and that `is_it` confirms
    /// (reading the row's own names).
    pub(crate) fn find<E>(
        &self,
        namespace: &str,
        name: &str,
        mut is_it: impl FnMut(u32) -> Result<bool, E>,
    ) -> Result<Option<u32>, E> {
        for rid in self.candidates(namespace, name) {
            if is_it(rid)? {
                return Ok(Some(rid));
            }
        }
        Ok(None)
    }

    /// The row ids that may be (namespace, name), in increasing order.
    fn candidates(&self, namespace: &str, name: &str) -> impl Iterator<Item = u32> {
        let hash = name_hash(namespace, name);
        let start = self.entries.partition_point(|&(h, _)| h < hash);
        self.entries[start..]
            .iter()
            .take_while(move |&&(h, _)| h == hash)
            .map(|&(_, rid)| rid)
    }
}

/// Collects rows for a [`NameIndex`] (keeping only hashes, so no row's strings are copied).
#[derive(Debug, Default)]
pub(crate) struct NameIndexBuilder {
    entries: Vec<(u64, u32)>,
}

impl NameIndexBuilder {
    pub(crate) fn add(&mut self, namespace: &str, name: &str, rid: u32) {
        self.entries.push((name_hash(namespace, name), rid));
    }

    pub(crate) fn build(self) -> NameIndex {
        let mut entries = self.entries;
        entries.sort_unstable();
        entries.shrink_to_fit();
        NameIndex { entries }
    }
}

/// FNV-1a over the namespace, a separator no name contains (0xFF is never UTF-8), the name.
fn name_hash(namespace: &str, name: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let bytes = namespace.bytes().chain([0xFF]).chain(name.bytes());
    bytes.fold(OFFSET, |h, b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_row_and_nothing_else() {
        let index = NameIndex::new([
            ("System", "Object", 2),
            ("System", "String", 3),
            ("", "Foo", 7),
        ]);
        assert_eq!(
            index.candidates("System", "String").collect::<Vec<_>>(),
            [3]
        );
        assert_eq!(index.candidates("", "Foo").collect::<Vec<_>>(), [7]);
        assert!(index.candidates("System", "Int32").next().is_none());
        assert!(index.candidates("SystemObject", "").next().is_none());
    }

    #[test]
    fn duplicate_names_are_candidates_in_row_order() {
        let index = NameIndex::new([("N", "T", 9), ("N", "T", 4), ("N", "U", 5)]);
        assert_eq!(index.candidates("N", "T").collect::<Vec<_>>(), [4, 9]);
        let second = index.find("N", "T", |rid| Ok::<_, ()>(rid == 9));
        assert_eq!(second, Ok(Some(9)));
        assert_eq!(index.find("N", "T", |_| Err("bad row")), Err("bad row"));
        assert_eq!(index.find("N", "V", |_| Ok::<_, ()>(true)), Ok(None));
    }

    #[test]
    fn namespace_and_name_do_not_run_together() {
        assert_ne!(name_hash("A.B", "C"), name_hash("A", "B.C"));
        assert_ne!(name_hash("AB", ""), name_hash("A", "B"));
    }
}
