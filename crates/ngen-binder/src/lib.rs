//! Assembly binder: display names, ExeConfig, probing, GAC and dependency closure as the CLR
//! loader does it.
//!
//! - [`name`]: display names (`AssemblyName`) and matching rules; the grammar is in
//!   `display_syntax`, versions/cultures/tokens/architectures in [`identity_parts`].
//! - [`config`]: the `App.exe.config` parts the loader reads (redirects, codeBase, privatePath).
//! - [`probe`]: where to look (GAC layout, framework dir, codeBase hrefs, AppBase order).
//! - [`manifest`]: what the binder reads from a file, behind the [`ManifestReader`] trait.
//! - [`metadata_reader`]: that trait implemented with ngen-metadata.
//! - [`gac`]: finding an assembly by display name in the GAC/framework; `MONO_GAC_PREFIX`.
//! - [`binding`]: the outcome of one bind ([`Binding`], [`BindReason`], redirects).
//! - [`error`]: [`BindError`], in the CLR's words.
//! - [`binder`]: one reference to one file ([`Binder::bind`]).
//! - [`closure`]: the root's whole dependency closure ([`Binder::closure`]).
//!
//! Depends on ngen-metadata, only through [`metadata_reader`]; everything else is std,
//! roxmltree (config files), sha1_smol (public key tokens), serde (serialisable binding records)
//! and thiserror.

pub mod binder;
pub mod binding;
pub mod closure;
pub mod config;
mod display_syntax;
pub mod error;
pub mod gac;
pub mod identity_parts;
pub mod manifest;
pub mod metadata_reader;
pub mod name;
pub mod probe;

pub use binder::{
    AppliedRedirect, BindError, BindReason, Binder, BinderConfig, Binding, RedirectSource,
};
pub use closure::{BoundAssembly, Closure, ClosureWarning};
pub use config::{ConfigError, ExeConfig};
pub use gac::{Located, NotInGac, locate_with_config};
pub use manifest::{DependencyHint, LoadHint, Manifest, ManifestError, ManifestReader, Mvid};
pub use name::{
    AssemblyName, Culture, Mismatch, NameError, ProcessorArchitecture, PublicKeyToken, Version,
};

#[cfg(test)]
mod tests;
