//! Finding an assembly by display name alone (Ngen's `install "Name, Version=..."`), and the GAC
//! roots Mono searches: `$MONO_GAC_PREFIX/lib/mono/gac` for each prefix, then its own.
//!
//! GAC entries are read from the directory layout `<Name>/<Version>_<culture>_<token>/<Name>.dll`
//! without opening the files; the framework directory (mscorlib, Facades) is checked by reading
//! identities. Depends on [`crate::name`], [`crate::probe`], [`crate::manifest`].

use std::path::{Path, PathBuf};

use crate::manifest::ManifestReader;
use crate::name::{AssemblyName, Culture, Version};
use crate::probe;

/// One assembly found for a display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub path: PathBuf,
    pub identity: AssemblyName,
}

/// No file matches a display name.
#[derive(Debug, thiserror::Error)]
#[error("no assembly matching '{name}' in the GAC ({}) or the framework directory {}", gacs.iter().map(|g| g.display().to_string()).collect::<Vec<_>>().join(", "), framework.display())]
pub struct NotInGac {
    pub name: AssemblyName,
    pub gacs: Vec<PathBuf>,
    pub framework: PathBuf,
}

/// The GAC roots named by a `MONO_GAC_PREFIX`-style value (`:`-separated prefixes), in order.
pub fn mono_gac_prefix_dirs(value: &str) -> Vec<PathBuf> {
    value
        .split(':')
        .filter(|p| !p.trim().is_empty())
        .map(|p| Path::new(p.trim()).join("lib/mono/gac"))
        .collect()
}

/// The identity a GAC directory entry stands for, from its path components alone.
pub(crate) fn gac_entry_identity(name: &str, entry: &str) -> Option<AssemblyName> {
    let (version, rest) = entry.split_once('_')?;
    let (culture, token) = rest.rsplit_once('_')?;
    let version: Version = version.parse().ok()?;
    let token = AssemblyName::parse(&format!("x, PublicKeyToken={token}"))
        .ok()?
        .public_key_token?;
    Some(AssemblyName {
        version: Some(version),
        culture: Some(Culture::parse(culture)),
        public_key_token: Some(token),
        ..AssemblyName::simple(name)
    })
}

/// Does `candidate` (a full identity) satisfy every attribute `wanted` gives? Unlike
/// [`AssemblyName::check_matches`], a given version is always compared: a name typed by a
/// user means exactly that version.
fn satisfies(wanted: &AssemblyName, candidate: &AssemblyName) -> bool {
    wanted.same_simple_name(&candidate.name)
        && wanted.version.is_none_or(|v| Some(v) == candidate.version)
        && AssemblyName {
            version: None,
            ..wanted.clone()
        }
        .matches(candidate)
}

/// Every GAC entry (across `gacs`) and framework-directory file matching `name`, highest
/// version first, GAC before framework for equal identities.
pub fn locate_all(
    name: &AssemblyName,
    gacs: &[PathBuf],
    framework: &Path,
    reader: &dyn ManifestReader,
) -> Vec<Located> {
    let mut found: Vec<Located> = Vec::new();
    for gac in gacs {
        let dir = gac.join(&name.name);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        names.sort();
        for entry in names {
            let Some(identity) = gac_entry_identity(&name.name, &entry) else {
                continue;
            };
            let path = dir.join(&entry).join(format!("{}.dll", name.name));
            if probe::existing(&path) && satisfies(name, &identity) {
                found.push(Located { path, identity });
            }
        }
    }
    for path in probe::framework_candidates(framework, &name.name) {
        if !probe::existing(&path) {
            continue;
        }
        if let Ok(m) = reader.read(&path)
            && satisfies(name, &m.identity)
            && !found.iter().any(|f| f.identity == m.identity)
        {
            found.push(Located {
                path,
                identity: m.identity,
            });
        }
    }
    // Highest version first; stable otherwise (GAC order, then framework).
    found.sort_by_key(|f| std::cmp::Reverse(f.identity.version));
    found
}

/// The best match for `name`: the highest version among [`locate_all`]'s results.
pub fn locate(
    name: &AssemblyName,
    gacs: &[PathBuf],
    framework: &Path,
    reader: &dyn ManifestReader,
) -> Result<Located, NotInGac> {
    locate_all(name, gacs, framework, reader)
        .into_iter()
        .next()
        .ok_or_else(|| NotInGac {
            name: name.clone(),
            gacs: gacs.to_vec(),
            framework: framework.to_path_buf(),
        })
}

/// Finds `name` with the GAC roots and framework directory `config` implies, reading
/// framework files with ngen-metadata.
pub fn locate_with_config(
    name: &AssemblyName,
    config: &crate::binder::BinderConfig,
) -> Result<Located, NotInGac> {
    locate(
        name,
        &config.effective_gac_dirs(),
        &config.effective_framework_dir(),
        &crate::metadata_reader::MetadataReader,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gac_entry_names_parse() {
        let id = gac_entry_identity("System", "4.0.0.0__b77a5c561934e089").unwrap();
        assert_eq!(
            id.to_string(),
            "System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"
        );
        let sat = gac_entry_identity("A.resources", "1.0.0.0_fr-fr_0123456789abcdef").unwrap();
        assert_eq!(sat.culture, Some(Culture::Specific("fr-fr".into())));
        assert!(gac_entry_identity("A", "junk").is_none());
        assert!(gac_entry_identity("A", "1.0_x_nothex").is_none());
    }

    #[test]
    fn mono_gac_prefix_is_split_on_colons() {
        assert_eq!(
            mono_gac_prefix_dirs("/a::/b "),
            vec![
                PathBuf::from("/a/lib/mono/gac"),
                PathBuf::from("/b/lib/mono/gac")
            ]
        );
    }

    #[test]
    fn user_names_compare_versions_even_without_a_token() {
        let full = AssemblyName::parse(
            "System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089",
        )
        .unwrap();
        assert!(satisfies(&AssemblyName::parse("system").unwrap(), &full));
        assert!(!satisfies(
            &AssemblyName::parse("System, Version=2.0.0.0").unwrap(),
            &full
        ));
        assert!(satisfies(
            &AssemblyName::parse("System, Version=4.0.0.0, PublicKeyToken=b77a5c561934e089")
                .unwrap(),
            &full
        ));
    }
}
