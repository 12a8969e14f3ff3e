//! Where the loader looks for a file: the GAC layout, the framework directory, codeBase hrefs
//! and the AppBase probing order. Pure path computation; nothing here opens a file except
//! [`existing`]. Depends on [`crate::name`].

use std::path::{Component, Path, PathBuf};

use crate::name::{AssemblyName, Culture, PublicKeyToken};

/// Mono's framework directory.
pub const DEFAULT_FRAMEWORK_DIR: &str = "/usr/lib/mono/4.5";

/// Why a candidate location is on the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeSite {
    /// `<appbase>/...`
    AppBase,
    /// `<appbase>/<privatePath>/...`
    PrivatePath(String),
}

/// One path the loader tries, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    pub site: ProbeSite,
}

/// The CLR's AppBase probing order for `name`:
///
/// for `.dll` then `.exe`: `<appbase>/<name>.ext`, `<appbase>/<name>/<name>.ext`, then for each
/// privatePath `p`: `<appbase>/<p>/<name>.ext`, `<appbase>/<p>/<name>/<name>.ext`.
/// A satellite (non-neutral culture) is probed only under `<culture>/` subfolders:
/// `<appbase>/<culture>/<name>.ext`, `<appbase>/<culture>/<name>/<name>.ext`, and the same
/// under each privatePath.
pub fn appbase_candidates(
    app_base: &Path,
    private_paths: &[String],
    name: &str,
    culture: &Culture,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    let culture_dir = culture.as_specific();
    for ext in ["dll", "exe"] {
        let file = format!("{name}.{ext}");
        let mut push_site = |base: PathBuf, site: ProbeSite| {
            let base = match culture_dir {
                Some(c) => base.join(c),
                None => base,
            };
            out.push(Candidate {
                path: base.join(&file),
                site: site.clone(),
            });
            out.push(Candidate {
                path: base.join(name).join(&file),
                site,
            });
        };
        push_site(app_base.to_path_buf(), ProbeSite::AppBase);
        for p in private_paths {
            push_site(app_base.join(p), ProbeSite::PrivatePath(p.clone()));
        }
    }
    out
}

/// `<gac>/<Name>/<Version>_<culture>_<token>/<Name>.dll` (Mono's layout; the culture part is
/// empty for neutral, so `4.0.0.0__b77a5c561934e089`). `None` unless the name is strong-named
/// with a version.
pub fn gac_path(gac: &Path, name: &AssemblyName) -> Option<PathBuf> {
    let version = name.version?;
    let Some(PublicKeyToken::Token(_)) = name.public_key_token else {
        return None;
    };
    let token = name.public_key_token?.to_hex();
    let culture = name
        .culture_or_neutral()
        .as_specific()
        .map(str::to_lowercase)
        .unwrap_or_default();
    Some(
        gac.join(&name.name)
            .join(format!("{version}_{culture}_{token}"))
            .join(format!("{}.dll", name.name)),
    )
}

/// Framework-directory candidates: `<fw>/<Name>.dll`, then `<fw>/Facades/<Name>.dll`.
pub fn framework_candidates(framework: &Path, name: &str) -> [PathBuf; 2] {
    [
        framework.join(format!("{name}.dll")),
        framework.join("Facades").join(format!("{name}.dll")),
    ]
}

/// Resolves a `<codeBase href>`: a `file://` URL or a path relative to the AppBase.
/// Returns `None` for other URL schemes (http downloads are not supported).
pub fn code_base_path(app_base: &Path, href: &str) -> Option<PathBuf> {
    let href = href.trim();
    let lower = href.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("file://") {
        // file:///abs/path -> /abs/path ; file://localhost/abs -> /abs
        let original = &href[href.len() - rest.len()..];
        let path = original.strip_prefix("localhost").unwrap_or(original);
        return Some(PathBuf::from(percent_decode(path)));
    }
    if lower.contains("://") {
        return None;
    }
    let relative = href.replace('\\', "/");
    Some(app_base.join(relative))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Is `path` inside `dir` (lexically, after removing `.` and resolving `..`)?
pub fn is_within(dir: &Path, path: &Path) -> bool {
    normalize(path).starts_with(normalize(dir))
}

/// Lexical normalisation: drops `.`, resolves `..` against the preceding component.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// True when `path` is an existing regular file (following symlinks).
pub fn existing(path: &Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(c: &[Candidate]) -> Vec<String> {
        c.iter().map(|c| c.path.display().to_string()).collect()
    }

    #[test]
    fn neutral_probing_order() {
        let c = appbase_candidates(
            Path::new("/app"),
            &["bin".into(), "lib".into()],
            "MyLib",
            &Culture::Neutral,
        );
        assert_eq!(
            paths(&c),
            vec![
                "/app/MyLib.dll",
                "/app/MyLib/MyLib.dll",
                "/app/bin/MyLib.dll",
                "/app/bin/MyLib/MyLib.dll",
                "/app/lib/MyLib.dll",
                "/app/lib/MyLib/MyLib.dll",
                "/app/MyLib.exe",
                "/app/MyLib/MyLib.exe",
                "/app/bin/MyLib.exe",
                "/app/bin/MyLib/MyLib.exe",
                "/app/lib/MyLib.exe",
                "/app/lib/MyLib/MyLib.exe",
            ]
        );
        assert_eq!(c[2].site, ProbeSite::PrivatePath("bin".into()));
    }

    #[test]
    fn satellite_probing_uses_culture_folders() {
        let c = appbase_candidates(
            Path::new("/app"),
            &["bin".into()],
            "MyLib.resources",
            &Culture::Specific("fr-FR".into()),
        );
        assert_eq!(
            paths(&c)[..4],
            [
                "/app/fr-FR/MyLib.resources.dll",
                "/app/fr-FR/MyLib.resources/MyLib.resources.dll",
                "/app/bin/fr-FR/MyLib.resources.dll",
                "/app/bin/fr-FR/MyLib.resources/MyLib.resources.dll",
            ]
        );
    }

    #[test]
    fn gac_layout_matches_mono() {
        let n = AssemblyName::parse(
            "System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089",
        )
        .unwrap();
        assert_eq!(
            gac_path(Path::new("/usr/lib/mono/gac"), &n).unwrap(),
            Path::new("/usr/lib/mono/gac/System/4.0.0.0__b77a5c561934e089/System.dll")
        );
        let sat = AssemblyName::parse(
            "A.resources, Version=1.0.0.0, Culture=fr-FR, PublicKeyToken=0123456789abcdef",
        )
        .unwrap();
        assert_eq!(
            gac_path(Path::new("/g"), &sat).unwrap(),
            Path::new("/g/A.resources/1.0.0.0_fr-fr_0123456789abcdef/A.resources.dll")
        );
        let simple = AssemblyName::parse("A, Version=1.0.0.0, PublicKeyToken=null").unwrap();
        assert_eq!(gac_path(Path::new("/g"), &simple), None);
    }

    #[test]
    fn code_base_hrefs() {
        let app = Path::new("/app");
        assert_eq!(
            code_base_path(app, "file:///opt/x%20y/A.dll").unwrap(),
            Path::new("/opt/x y/A.dll")
        );
        assert_eq!(
            code_base_path(app, "FILE://localhost/opt/A.dll").unwrap(),
            Path::new("/opt/A.dll")
        );
        assert_eq!(
            code_base_path(app, "libs\\v2\\A.dll").unwrap(),
            Path::new("/app/libs/v2/A.dll")
        );
        assert_eq!(code_base_path(app, "http://example.com/A.dll"), None);
        assert!(is_within(app, Path::new("/app/libs/../x/A.dll")));
        assert!(!is_within(app, Path::new("/app/../etc/A.dll")));
    }
}
