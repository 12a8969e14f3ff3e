//! How the type system finds the assemblies a module references.
//!
//! [`ModuleResolver`] is the seam: the binder implements it for real programs (CLR binding
//! rules, `ngen-binder`), tests and tools use [`DirectoryResolver`], a plain list of directories
//! probed for `<name>.dll` then `<name>.exe`. Resolution is by simple name, which is what the
//! type system needs once the binder has decided *which* file a name binds to.
//! Depends on ngen-metadata.

use std::path::PathBuf;

use ngen_metadata::{Assembly, MetadataError};

/// Finds and opens the assembly a simple name refers to.
pub trait ModuleResolver: Send + Sync {
    /// Opens the assembly whose simple name is `name`; `None` when it cannot be found.
    fn resolve(&self, name: &str) -> Option<Result<Assembly, MetadataError>>;
}

/// Probes each directory, in order, for `<name>.dll` and then `<name>.exe`.
#[derive(Clone, Debug, Default)]
pub struct DirectoryResolver {
    dirs: Vec<PathBuf>,
}

impl DirectoryResolver {
    /// A resolver over `dirs`, probed in the given order.
    pub fn new(dirs: impl IntoIterator<Item = impl Into<PathBuf>>) -> DirectoryResolver {
        DirectoryResolver {
            dirs: dirs.into_iter().map(Into::into).collect(),
        }
    }
}

impl ModuleResolver for DirectoryResolver {
    fn resolve(&self, name: &str) -> Option<Result<Assembly, MetadataError>> {
        // A name with a path separator would escape the directory list.
        if name.is_empty() || name.contains(['/', '\\']) {
            return None;
        }
        for dir in &self.dirs {
            for ext in ["dll", "exe"] {
                let path = dir.join(format!("{name}.{ext}"));
                if path.is_file() {
                    return Some(Assembly::open(&path));
                }
            }
        }
        None
    }
}
