//! Assembly binder: display names, ExeConfig, probing, GAC and dependency closure as the CLR
//! loader does it.
//!
//! - [`name`]: display names (`AssemblyName`), versions, cultures, tokens, matching rules.
//! - [`config`]: the `App.exe.config` parts the loader reads (redirects, codeBase, privatePath).

pub mod config;
pub mod name;

pub use config::{ConfigError, ExeConfig};
pub use name::{
    AssemblyName, Culture, Mismatch, NameError, ProcessorArchitecture, PublicKeyToken, Version,
};
