//! `ngen-build init`: a commented `ngen.toml` for the `.exe` files of a publish folder.
//!
//! Only looks at file names (sorted, so the output is deterministic); depends on std only.
//! A manifest written elsewhere than the publish folder (MSBuild writes it under `obj/`)
//! names the roots relative to itself, so the tree stays movable.

use std::path::{Component, Path, PathBuf};

/// Renders a commented manifest with one `[[root]]` per `.exe` directly inside `dir`.
pub fn render_init(dir: &Path) -> std::io::Result<String> {
    render_init_for(dir, dir)
}

/// [`render_init`] for a manifest that will live in `manifest_dir`: root paths are relative
/// to it. Pass both absolute: otherwise `dir` is used as given.
pub fn render_init_for(dir: &Path, manifest_dir: &Path) -> std::io::Result<String> {
    let prefix = relative_dir(dir, manifest_dir);
    let mut exes = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.to_ascii_lowercase().ends_with(".exe") && entry.path().is_file() {
            exes.push(name);
        }
    }
    exes.sort();
    let mut out = String::new();
    out.push_str(
        "# ngen.toml: the native images ngen-build builds for this folder.\n\
         # Editor completion: `ngen-build schema > ngen.schema.json`, then make the first line\n\
         #   #:schema ./ngen.schema.json\n\
         # `ngen-build build` compiles every invalid image; `ngen-build explain <assembly>` says why\n\
         # an image is dirty. `ngen-build schema` prints the JSON Schema of this file.\n\n\
         # Scenarios for roots that do not list their own: default, debug, profile, debug+profile.\n\
         scenarios = [\"default\"]\n\n\
         # Compile each root's dependencies too (false = Ngen's /NoDependencies).\n\
         dependencies = true\n\n\
         # Framework assemblies (mscorlib, System, ...) are fingerprinted but not compiled unless true.\n\
         compile-framework = false\n\n\
         # Where images go (default target/ngen next to this file), and how many compile at once.\n\
         # cache-dir = \"target/ngen\"\n\
         # jobs = 4\n\n\
         # Binding: Ngen's /ExeConfig and /AppBase (defaults: <root>.config and the root's directory).\n\
         # exe-config = \"App.exe.config\"\n\
         # app-base = \".\"\n\
         # framework-dir = \"/usr/lib/mono/4.5\"\n\n\
         # A cache shared by CI runners (Bazel's HTTP remote-cache protocol: bazel-remote, nginx\n\
         # with WebDAV). Dirty images are fetched from it before compiling; see docs/build-tool.md.\n\
         # [remote-cache]\n\
         # url = \"http://cache.internal:8080/ngen\"\n\
         # upload = false                   # true on the runners allowed to write\n\
         # timeout-ms = 5000\n\n",
    );
    if exes.is_empty() {
        out.push_str("# No .exe found here: name your roots by path or by display name.\n");
        out.push_str("[[root]]\npath = \"App.exe\"\n");
    }
    for exe in &exes {
        out.push_str("[[root]]\n");
        out.push_str(&format!(
            "path = {}\n",
            toml_string(&format!("{prefix}{exe}"))
        ));
        if dir.join(format!("{exe}.config")).is_file() {
            out.push_str(&format!(
                "exe-config = {}\n",
                toml_string(&format!("{prefix}{exe}.config"))
            ));
        }
        out.push_str("# scenarios = [\"default\", \"debug\"]\n\n");
    }
    out.push_str(
        "# Hard-binding hints by dependency (always, default, sometimes); they override the\n\
         # assemblies' DependencyAttribute and DefaultDependencyAttribute.\n\
         [hints]\n\
         # MyLib = \"always\"\n",
    );
    Ok(out)
}

/// How a file in `dir` is named from `base`: `""` when they are the same, else a prefix such
/// as `"../../bin/Debug/"` (forward slashes), or `dir` itself when no relative form exists.
fn relative_dir(dir: &Path, base: &Path) -> String {
    let clean = |p: &Path| -> Vec<PathBuf> {
        p.components()
            .filter(|c| !matches!(c, Component::CurDir))
            .map(|c| PathBuf::from(c.as_os_str()))
            .collect()
    };
    if dir == base {
        return String::new();
    }
    let (d, b) = (clean(dir), clean(base));
    let has_parent = |v: &[PathBuf]| v.iter().any(|c| c.as_os_str() == "..");
    if !dir.is_absolute() || !base.is_absolute() || has_parent(&d) || has_parent(&b) {
        return format!("{}/", dir.to_string_lossy().trim_end_matches('/'));
    }
    let common = d.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(d[common..].iter().map(|c| c.to_string_lossy().into_owned()));
    parts.iter().map(|p| format!("{p}/")).collect()
}

fn toml_string(s: &str) -> String {
    let escaped = s.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{escaped}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_are_named_relative_to_a_manifest_elsewhere() {
        let rel = |d: &str, b: &str| relative_dir(Path::new(d), Path::new(b));
        assert_eq!(
            rel("/p/bin/Debug", "/p/obj/Debug/ngen"),
            "../../../bin/Debug/"
        );
        assert_eq!(rel("/p/bin/Debug/", "/p/bin/Debug"), "");
        assert_eq!(rel("/p/bin", "/p"), "bin/");
        assert_eq!(rel("bin/Debug", "/p/obj"), "bin/Debug/");
    }

    #[test]
    fn a_manifest_under_obj_points_at_the_output_folder() {
        let tmp = std::env::temp_dir().join(format!("ngen-init-{}", std::process::id()));
        let bin = tmp.join("bin/Debug");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("App.exe"), b"").unwrap();
        std::fs::write(bin.join("App.exe.config"), b"").unwrap();
        let text = render_init_for(&bin, &tmp.join("obj/Debug/ngen")).unwrap();
        std::fs::remove_dir_all(&tmp).unwrap();
        assert!(
            text.contains("path = \"../../../bin/Debug/App.exe\"\n"),
            "{text}"
        );
        assert!(
            text.contains("exe-config = \"../../../bin/Debug/App.exe.config\"\n"),
            "{text}"
        );
    }
}
