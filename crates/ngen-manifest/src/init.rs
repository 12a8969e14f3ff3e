//! `ngen-build init`: a commented `ngen.toml` for the `.exe` files of a publish folder.
//!
//! Only looks at file names (sorted, so the output is deterministic); depends on std only.

use std::path::Path;

/// Renders a commented manifest with one `[[root]]` per `.exe` directly inside `dir`.
pub fn render_init(dir: &Path) -> std::io::Result<String> {
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
        out.push_str(&format!("path = {}\n", toml_string(exe)));
        if dir.join(format!("{exe}.config")).is_file() {
            out.push_str(&format!(
                "exe-config = {}\n",
                toml_string(&format!("{exe}.config"))
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

fn toml_string(s: &str) -> String {
    let escaped = s.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{escaped}\"")
}
