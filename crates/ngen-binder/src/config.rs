//! The application configuration file (`App.exe.config`): the parts the loader reads.
//!
//! Parsed with roxmltree: `<configuration><runtime><assemblyBinding
//! xmlns="urn:schemas-microsoft-com:asm.v1">` holding `<probing privatePath>` and
//! `<dependentAssembly>` (`<assemblyIdentity>`, `<bindingRedirect>`, `<codeBase>`).
//! Anything else in the file is ignored, as the CLR ignores it. Malformed XML and bad values
//! are typed errors carrying the line and column; things the CLR silently ignores (a missing
//! namespace, a privatePath outside the AppBase) become [`ConfigWarning`]s so users see them.
//! Depends on [`crate::name`] for versions, cultures and tokens.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::name::{AssemblyName, Culture, PublicKeyToken, Version};

/// The namespace the CLR requires on `<assemblyBinding>`.
pub const ASM_V1: &str = "urn:schemas-microsoft-com:asm.v1";

/// A position in the config file (1-based line and column, 0-based byte offset and length).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    pub line: u32,
    pub column: u32,
    pub offset: usize,
    pub len: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// `oldVersion="a-b"` (or a single version, where `low == high`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct VersionRange {
    pub low: Version,
    pub high: Version,
}

impl VersionRange {
    pub fn contains(&self, v: Version) -> bool {
        self.low <= v && v <= self.high
    }
}

impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.low == self.high {
            write!(f, "{}", self.low)
        } else {
            write!(f, "{}-{}", self.low, self.high)
        }
    }
}

/// `<bindingRedirect oldVersion newVersion/>`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BindingRedirect {
    pub old_version: VersionRange,
    pub new_version: Version,
    pub location: Location,
}

/// `<codeBase version href/>`: where to load one version of the assembly from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CodeBase {
    pub version: Option<Version>,
    pub href: String,
    pub location: Location,
}

/// One `<dependentAssembly>`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DependentAssembly {
    pub name: String,
    pub public_key_token: Option<PublicKeyToken>,
    pub culture: Option<Culture>,
    pub redirects: Vec<BindingRedirect>,
    pub code_bases: Vec<CodeBase>,
    /// `<publisherPolicy apply="no"/>` inside this element.
    pub publisher_policy_disabled: bool,
    pub location: Location,
}

impl DependentAssembly {
    /// Does this element apply to `reference`? Name (case-insensitive), and the token and
    /// culture when the element gives them.
    pub fn applies_to(&self, reference: &AssemblyName) -> bool {
        if !reference.same_simple_name(&self.name) {
            return false;
        }
        if let Some(token) = self.public_key_token
            && reference.public_key_token.unwrap_or(PublicKeyToken::Null) != token
        {
            return false;
        }
        if let Some(culture) = &self.culture {
            let probe = AssemblyName {
                culture: Some(culture.clone()),
                ..AssemblyName::simple(&reference.name)
            };
            let have = AssemblyName {
                culture: Some(reference.culture_or_neutral()),
                ..AssemblyName::simple(&reference.name)
            };
            if !probe.matches(&have) {
                return false;
            }
        }
        true
    }
}

/// Something the CLR would silently ignore, reported so the user knows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConfigWarning {
    pub location: Location,
    pub message: String,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// The binding-relevant contents of an application configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct ExeConfig {
    /// The file it was read from (empty for configs parsed from a string).
    pub path: PathBuf,
    /// `<probing privatePath>` entries, in order (relative to the AppBase).
    pub private_paths: Vec<String>,
    pub dependent_assemblies: Vec<DependentAssembly>,
    /// `<publisherPolicy apply="no"/>` directly under `<assemblyBinding>`: no publisher policy
    /// applies to any assembly (safe mode).
    pub publisher_policy_disabled: bool,
    pub warnings: Vec<ConfigWarning>,
}

/// A config file that could not be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{location}: malformed XML: {message}")]
    Xml {
        path: PathBuf,
        location: Location,
        message: String,
    },
    #[error("{path}:{location}: {message}")]
    Invalid {
        path: PathBuf,
        location: Location,
        message: String,
    },
}

impl ConfigError {
    /// The file and position of the problem, when it has one.
    pub fn location(&self) -> Option<(&Path, Location)> {
        match self {
            ConfigError::Io { .. } => None,
            ConfigError::Xml { path, location, .. }
            | ConfigError::Invalid { path, location, .. } => Some((path, *location)),
        }
    }
}

impl ExeConfig {
    /// Reads and parses a config file.
    pub fn load(path: &Path) -> Result<ExeConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses config text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<ExeConfig, ConfigError> {
        let doc = roxmltree::Document::parse(text).map_err(|e| {
            let pos = e.pos();
            ConfigError::Xml {
                path: path.to_path_buf(),
                location: Location {
                    line: pos.row,
                    column: pos.col,
                    offset: offset_of(text, pos.row, pos.col),
                    len: 0,
                },
                message: e.to_string(),
            }
        })?;
        Parser {
            doc: &doc,
            path,
            config: ExeConfig {
                path: path.to_path_buf(),
                ..ExeConfig::default()
            },
        }
        .run()
    }

    /// The `<dependentAssembly>` elements that apply to `reference`, in file order.
    pub fn dependent_assemblies_for<'a>(
        &'a self,
        reference: &'a AssemblyName,
    ) -> impl Iterator<Item = &'a DependentAssembly> + 'a {
        self.dependent_assemblies
            .iter()
            .filter(move |d| d.applies_to(reference))
    }
}

/// Byte offset of a 1-based (row, col) position (col counts chars).
fn offset_of(text: &str, row: u32, col: u32) -> usize {
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i + 1 == row as usize {
            let chars = col.saturating_sub(1) as usize;
            return offset
                + line
                    .char_indices()
                    .nth(chars)
                    .map(|(b, _)| b)
                    .unwrap_or(line.len());
        }
        offset += line.len();
    }
    text.len()
}

struct Parser<'d, 'input, 'p> {
    doc: &'d roxmltree::Document<'input>,
    path: &'p Path,
    config: ExeConfig,
}

impl<'d, 'input> Parser<'d, 'input, '_> {
    fn location(&self, range: std::ops::Range<usize>) -> Location {
        let pos = self.doc.text_pos_at(range.start);
        Location {
            line: pos.row,
            column: pos.col,
            offset: range.start,
            len: range.end.saturating_sub(range.start),
        }
    }

    fn node_location(&self, node: roxmltree::Node<'d, 'input>) -> Location {
        // Point at the start tag only, not the whole element.
        let range = node.range();
        let end = self.doc.input_text()[range.clone()]
            .find('>')
            .map(|i| range.start + i + 1)
            .unwrap_or(range.end);
        self.location(range.start..end)
    }

    fn invalid(&self, location: Location, message: String) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_path_buf(),
            location,
            message,
        }
    }

    fn warn(&mut self, location: Location, message: String) {
        self.config
            .warnings
            .push(ConfigWarning { location, message });
    }

    /// An attribute's value and the location of the value.
    fn attribute(
        &self,
        node: roxmltree::Node<'d, 'input>,
        name: &str,
    ) -> Option<(&'d str, Location)> {
        node.attributes()
            .find(|a| a.name() == name)
            .map(|a| (a.value(), self.location(a.range_value())))
    }

    fn required(
        &self,
        node: roxmltree::Node<'d, 'input>,
        name: &str,
    ) -> Result<(&'d str, Location), ConfigError> {
        self.attribute(node, name).ok_or_else(|| {
            self.invalid(
                self.node_location(node),
                format!(
                    "<{}> is missing the `{name}` attribute",
                    node.tag_name().name()
                ),
            )
        })
    }

    fn version(&self, text: &str, location: Location, what: &str) -> Result<Version, ConfigError> {
        text.parse::<Version>()
            .map_err(|e| self.invalid(location, format!("{what}: {e}")))
    }

    fn run(mut self) -> Result<ExeConfig, ConfigError> {
        let root = self.doc.root_element();
        if root.tag_name().name() != "configuration" {
            let loc = self.node_location(root);
            return Err(self.invalid(
                loc,
                format!(
                    "the root element is <{}>, expected <configuration>",
                    root.tag_name().name()
                ),
            ));
        }
        let runtimes: Vec<_> = root
            .children()
            .filter(|n| n.is_element() && n.tag_name().name() == "runtime")
            .collect();
        for runtime in runtimes {
            let bindings: Vec<_> = runtime
                .children()
                .filter(|n| n.is_element() && n.tag_name().name() == "assemblyBinding")
                .collect();
            for binding in bindings {
                if let Some(target) = binding.attribute("appliesTo")
                    && !target.trim().starts_with("v4")
                {
                    let loc = self.node_location(binding);
                    self.warn(
                        loc,
                        format!(
                            "<assemblyBinding appliesTo=\"{target}\"> is for another runtime version and is ignored (this is a v4 runtime)"
                        ),
                    );
                    continue;
                }
                if binding.tag_name().namespace() != Some(ASM_V1) {
                    let loc = self.node_location(binding);
                    self.warn(
                        loc,
                        format!(
                            "<assemblyBinding> without xmlns=\"{ASM_V1}\" is ignored by the CLR; add the namespace"
                        ),
                    );
                    continue;
                }
                self.assembly_binding(binding)?;
            }
        }
        Ok(self.config)
    }

    fn assembly_binding(
        &mut self,
        binding: roxmltree::Node<'d, 'input>,
    ) -> Result<(), ConfigError> {
        for child in binding.children().filter(|n| n.is_element()) {
            match child.tag_name().name() {
                "probing" => self.probing(child)?,
                "dependentAssembly" => {
                    let dependent = self.dependent_assembly(child)?;
                    self.config.dependent_assemblies.push(dependent);
                }
                "publisherPolicy" => {
                    let off = self.publisher_policy_off(child);
                    self.config.publisher_policy_disabled |= off;
                }
                // qualifyAssembly, supportPortability: no effect on static references.
                _ => {}
            }
        }
        Ok(())
    }

    /// `<publisherPolicy apply="no"/>` (the value is case-insensitive; anything but "no" is yes).
    fn publisher_policy_off(&self, node: roxmltree::Node<'d, 'input>) -> bool {
        self.attribute(node, "apply")
            .is_some_and(|(v, _)| v.trim().eq_ignore_ascii_case("no"))
    }

    fn probing(&mut self, node: roxmltree::Node<'d, 'input>) -> Result<(), ConfigError> {
        let Some((value, loc)) = self.attribute(node, "privatePath") else {
            return Ok(());
        };
        for entry in value.split(';') {
            let entry = entry.trim().replace('\\', "/");
            if entry.is_empty() {
                continue;
            }
            let p = Path::new(&entry);
            let escapes = p.is_absolute()
                || p.components()
                    .any(|c| matches!(c, std::path::Component::ParentDir));
            if escapes {
                self.warn(
                    loc,
                    format!(
                        "privatePath entry {entry:?} is not a subdirectory of the AppBase; the CLR ignores it"
                    ),
                );
                continue;
            }
            let entry = entry.trim_end_matches('/').to_string();
            if !self.config.private_paths.contains(&entry) {
                self.config.private_paths.push(entry);
            }
        }
        Ok(())
    }

    fn dependent_assembly(
        &mut self,
        node: roxmltree::Node<'d, 'input>,
    ) -> Result<DependentAssembly, ConfigError> {
        let location = self.node_location(node);
        let identity = node
            .children()
            .find(|n| n.is_element() && n.tag_name().name() == "assemblyIdentity")
            .ok_or_else(|| {
                self.invalid(
                    location,
                    "<dependentAssembly> has no <assemblyIdentity>".to_string(),
                )
            })?;
        let (name, _) = self.required(identity, "name")?;
        if name.trim().is_empty() {
            let loc = self.node_location(identity);
            return Err(self.invalid(loc, "<assemblyIdentity name=\"\"> is empty".to_string()));
        }
        let public_key_token = match self.attribute(identity, "publicKeyToken") {
            None => None,
            Some((text, loc)) => Some(
                AssemblyName::parse(&format!("x, PublicKeyToken={text}"))
                    .ok()
                    .and_then(|n| n.public_key_token)
                    .ok_or_else(|| {
                        self.invalid(
                            loc,
                            format!("publicKeyToken {text:?} is neither `null` nor 16 hex digits"),
                        )
                    })?,
            ),
        };
        let culture = self
            .attribute(identity, "culture")
            .map(|(c, _)| Culture::parse(c));
        let mut dependent = DependentAssembly {
            name: name.trim().to_string(),
            public_key_token,
            culture,
            redirects: Vec::new(),
            code_bases: Vec::new(),
            publisher_policy_disabled: false,
            location,
        };
        for child in node.children().filter(|n| n.is_element()) {
            match child.tag_name().name() {
                "bindingRedirect" => {
                    let redirect = self.binding_redirect(child)?;
                    if !matches!(dependent.public_key_token, Some(PublicKeyToken::Token(_))) {
                        self.warn(
                            redirect.location,
                            format!(
                                "bindingRedirect for {:?} has no effect: the CLR applies redirects only to strong-named assemblies (give assemblyIdentity a publicKeyToken)",
                                dependent.name
                            ),
                        );
                    }
                    dependent.redirects.push(redirect);
                }
                "publisherPolicy" => {
                    dependent.publisher_policy_disabled |= self.publisher_policy_off(child);
                }
                "codeBase" => {
                    let (href, href_loc) = self.required(child, "href")?;
                    let version = match self.attribute(child, "version") {
                        Some((v, loc)) => Some(self.version(v, loc, "codeBase version")?),
                        None => None,
                    };
                    if version.is_none()
                        && matches!(dependent.public_key_token, Some(PublicKeyToken::Token(_)))
                    {
                        return Err(self.invalid(
                            self.node_location(child),
                            format!(
                                "<codeBase> for strong-named {:?} needs a `version` attribute",
                                dependent.name
                            ),
                        ));
                    }
                    if href.trim().is_empty() {
                        return Err(self.invalid(href_loc, "<codeBase href=\"\"> is empty".into()));
                    }
                    dependent.code_bases.push(CodeBase {
                        version,
                        href: href.trim().to_string(),
                        location: self.node_location(child),
                    });
                }
                _ => {}
            }
        }
        Ok(dependent)
    }

    fn binding_redirect(
        &self,
        node: roxmltree::Node<'d, 'input>,
    ) -> Result<BindingRedirect, ConfigError> {
        let (old, old_loc) = self.required(node, "oldVersion")?;
        let (new, new_loc) = self.required(node, "newVersion")?;
        let old_version = match old.split_once('-') {
            Some((low, high)) => {
                let low = self.version(low, old_loc, "bindingRedirect oldVersion")?;
                let high = self.version(high, old_loc, "bindingRedirect oldVersion")?;
                if low > high {
                    return Err(self.invalid(
                        old_loc,
                        format!("bindingRedirect oldVersion range {old:?} is empty (low > high)"),
                    ));
                }
                VersionRange { low, high }
            }
            None => {
                let v = self.version(old, old_loc, "bindingRedirect oldVersion")?;
                VersionRange { low: v, high: v }
            }
        };
        let new_version = self.version(new, new_loc, "bindingRedirect newVersion")?;
        Ok(BindingRedirect {
            old_version,
            new_version,
            location: self.node_location(node),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <startup><supportedRuntime version="v4.0"/></startup>
  <runtime>
    <assemblyBinding xmlns="urn:schemas-microsoft-com:asm.v1">
      <probing privatePath="bin; lib\sub ;../outside"/>
      <dependentAssembly>
        <assemblyIdentity name="Versioned" publicKeyToken="0123456789abcdef" culture="neutral"/>
        <bindingRedirect oldVersion="0.0.0.0-1.9.9.9" newVersion="2.0.0.0"/>
        <codeBase version="2.0.0.0" href="file:///opt/v2/Versioned.dll"/>
      </dependentAssembly>
      <dependentAssembly>
        <assemblyIdentity name="Single" publicKeyToken="0123456789abcdef"/>
        <bindingRedirect oldVersion="1.0.0.0" newVersion="1.5.0.0"/>
      </dependentAssembly>
    </assemblyBinding>
  </runtime>
</configuration>"#;

    fn parse(text: &str) -> Result<ExeConfig, ConfigError> {
        ExeConfig::parse(text, Path::new("App.exe.config"))
    }

    #[test]
    fn reads_probing_redirects_and_codebase() {
        let c = parse(GOOD).unwrap();
        assert_eq!(c.private_paths, vec!["bin", "lib/sub"]);
        assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
        assert!(c.warnings[0].message.contains("../outside"));
        assert_eq!(c.dependent_assemblies.len(), 2);
        let v = &c.dependent_assemblies[0];
        assert_eq!(v.name, "Versioned");
        assert_eq!(v.culture, Some(Culture::Neutral));
        assert_eq!(
            v.redirects[0].old_version,
            VersionRange {
                low: Version::new(0, 0, 0, 0),
                high: Version::new(1, 9, 9, 9)
            }
        );
        assert_eq!(v.redirects[0].new_version, Version::new(2, 0, 0, 0));
        assert_eq!(v.redirects[0].location.line, 9);
        assert_eq!(v.code_bases[0].href, "file:///opt/v2/Versioned.dll");
        assert_eq!(v.code_bases[0].version, Some(Version::new(2, 0, 0, 0)));
        let s = &c.dependent_assemblies[1];
        assert_eq!(
            s.redirects[0].old_version.low,
            s.redirects[0].old_version.high
        );
    }

    #[test]
    fn dependent_assembly_matching() {
        let c = parse(GOOD).unwrap();
        let r = AssemblyName::parse(
            "versioned, Version=1.0.0.0, Culture=neutral, PublicKeyToken=0123456789abcdef",
        )
        .unwrap();
        assert_eq!(c.dependent_assemblies_for(&r).count(), 1);
        let other_token =
            AssemblyName::parse("Versioned, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null")
                .unwrap();
        assert_eq!(c.dependent_assemblies_for(&other_token).count(), 0);
        let other_culture = AssemblyName::parse(
            "Versioned, Version=1.0.0.0, Culture=fr, PublicKeyToken=0123456789abcdef",
        )
        .unwrap();
        assert_eq!(c.dependent_assemblies_for(&other_culture).count(), 0);
    }

    #[test]
    fn malformed_xml_has_a_location() {
        let err = parse("<configuration>\n  <runtime>\n</configuration>").unwrap_err();
        let (_, loc) = err.location().unwrap();
        assert_eq!(loc.line, 3, "{err}");
        assert!(err.to_string().contains("App.exe.config:3:"), "{err}");
    }

    #[test]
    fn bad_version_has_the_attribute_location() {
        let text = GOOD.replace("newVersion=\"2.0.0.0\"", "newVersion=\"2.x\"");
        let err = parse(&text).unwrap_err();
        let (_, loc) = err.location().unwrap();
        assert_eq!(loc.line, 9);
        assert_eq!(&text[loc.offset..loc.offset + loc.len], "2.x");
        assert!(err.to_string().contains("2.x"), "{err}");
        let text = GOOD.replace("0.0.0.0-1.9.9.9", "3.0.0.0-1.0.0.0");
        assert!(matches!(parse(&text), Err(ConfigError::Invalid { .. })));
    }

    #[test]
    fn missing_attributes_and_identity_are_errors() {
        let no_new = GOOD.replace(" newVersion=\"2.0.0.0\"", "");
        assert!(
            parse(&no_new)
                .unwrap_err()
                .to_string()
                .contains("newVersion")
        );
        let no_identity = r#"<configuration><runtime><assemblyBinding xmlns="urn:schemas-microsoft-com:asm.v1"><dependentAssembly/></assemblyBinding></runtime></configuration>"#;
        assert!(matches!(
            parse(no_identity),
            Err(ConfigError::Invalid { .. })
        ));
        let bad_token = GOOD.replace("0123456789abcdef\" culture", "xyz\" culture");
        assert!(parse(&bad_token).unwrap_err().to_string().contains("xyz"));
        assert!(parse("<other/>").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn binding_without_namespace_is_ignored_with_a_warning() {
        let text = GOOD.replace(" xmlns=\"urn:schemas-microsoft-com:asm.v1\"", "");
        let c = parse(&text).unwrap();
        assert!(c.dependent_assemblies.is_empty());
        assert!(c.private_paths.is_empty());
        assert!(c.warnings[0].message.contains("xmlns"));
    }

    #[test]
    fn applies_to_another_runtime_is_ignored_and_a_bom_is_fine() {
        let text = GOOD.replace(
            "<assemblyBinding xmlns",
            "<assemblyBinding appliesTo=\"v2.0.50727\" xmlns",
        );
        let c = parse(&text).unwrap();
        assert!(c.dependent_assemblies.is_empty());
        assert!(c.warnings[0].message.contains("appliesTo"));
        let v4 = GOOD.replace(
            "<assemblyBinding xmlns",
            "<assemblyBinding appliesTo=\"v4.0.30319\" xmlns",
        );
        assert_eq!(parse(&v4).unwrap().dependent_assemblies.len(), 2);
        let bom = format!("\u{feff}{GOOD}");
        assert_eq!(parse(&bom).unwrap().dependent_assemblies.len(), 2);
    }

    #[test]
    fn publisher_policy_switches() {
        assert!(!parse(GOOD).unwrap().publisher_policy_disabled);
        let global = GOOD.replace("<probing", "<publisherPolicy apply=\"no\"/><probing");
        assert!(parse(&global).unwrap().publisher_policy_disabled);
        let local = GOOD.replace(
            "<codeBase version",
            "<publisherPolicy apply=\"No\"/><codeBase version",
        );
        let c = parse(&local).unwrap();
        assert!(!c.publisher_policy_disabled);
        assert!(c.dependent_assemblies[0].publisher_policy_disabled);
        assert!(!c.dependent_assemblies[1].publisher_policy_disabled);
    }

    #[test]
    fn redirect_for_simple_names_warns() {
        let text = GOOD.replace(
            "name=\"Single\" publicKeyToken=\"0123456789abcdef\"",
            "name=\"Single\"",
        );
        let c = parse(&text).unwrap();
        assert!(
            c.warnings
                .iter()
                .any(|w| w.message.contains("strong-named")),
            "{:?}",
            c.warnings
        );
    }
}
