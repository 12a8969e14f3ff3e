//! ngen.toml: the declarative manifest, its JSON Schema and its diagnostics.
//!
//! - [`model`]: the serde/schemars types (what a user may write);
//! - [`load`]: parsing with spans, validation and path resolution into a [`Project`];
//! - [`diagnostics`]: miette diagnostics with stable codes and "did you mean";
//! - [`schema`]: the JSON Schema generated from the model;
//! - [`init`]: the commented manifest `ngen-build init` writes;
//! - [`remote`]: the validated `[remote-cache]` settings and the URL check the CLI shares.
//!
//! Depends on ngen-binder only to check display names with the same parser that binds them.

pub mod diagnostics;
pub mod init;
pub mod load;
pub mod model;
pub mod remote;
mod root_glob;
pub mod schema;

pub use diagnostics::{DiagnosticKind, ManifestDiagnostic, ManifestError};
pub use load::{Project, RootAssembly, RootSpec, load, parse};
pub use model::{LoadHint, Manifest, RemoteCacheEntry, RootEntry, Scenario};
pub use remote::{RemoteCacheSettings, check_url};
pub use schema::schema_json;
