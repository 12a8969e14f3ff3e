//! `ngen-build inspect <path | display-name> [--json]`: an assembly's identity, MVID,
//! references, dependency hints, table row counts and a full method-body/IL decode, reporting
//! every body that fails. Reads with ngen-metadata; a display name is located with a minimal
//! framework-then-GAC lookup (real binding is ngen-binder's job, used here only to parse and
//! match names).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use miette::{IntoDiagnostic, miette};
use ngen_binder::AssemblyName;
use ngen_metadata::{Assembly, TableId, il};
use serde_json::{Value, json};

use super::support::print_stdout;

#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 when every method body decodes, 1 when the file cannot be read or some body fails to decode, 2 for usage errors."
)]
pub struct Args {
    /// A path to a .dll/.exe, or a display name such as `System.Xml` or
    /// `System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089`.
    pub assembly: String,
    /// Print one JSON object instead of the human report.
    #[arg(long)]
    pub json: bool,
    /// Mono's framework directory, searched for display names (the GAC is `<DIR>/../gac`).
    #[arg(long, value_name = "DIR", default_value = "/usr/lib/mono/4.5")]
    pub framework: PathBuf,
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    let path = match locate(&args.assembly, &args.framework) {
        Ok(path) => path,
        Err(Located::Usage { report }) => return Ok(super::support::usage_error(report)),
        Err(Located::Failure { report }) => return Err(report),
    };
    let asm = Assembly::open(&path).map_err(|e| {
        miette!(
            code = "ngen::inspect::unreadable",
            help = "the file must be a .NET assembly (a PE file with a CLI header and ECMA-335 metadata)",
            "cannot read {}: {e}",
            path.display()
        )
    })?;
    let report = Report::gather(&asm, &path)?;
    let text = if args.json {
        serde_json::to_string_pretty(&report.to_json()).into_diagnostic()? + "\n"
    } else {
        report.human()
    };
    print_stdout(&text)?;
    Ok(if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A path if the argument names an existing file, else a display name located the way the
/// binder finds one (GAC roots, including `MONO_GAC_PREFIX`, then the framework directory and its
/// Facades; highest matching version first). A malformed display name is a usage error.
fn locate(arg: &str, framework: &Path) -> Result<PathBuf, Located> {
    let as_path = Path::new(arg);
    if as_path.is_file() {
        return Ok(as_path.to_path_buf());
    }
    let looks_like_path = arg.contains('/') || arg.ends_with(".dll") || arg.ends_with(".exe");
    let name = AssemblyName::parse(arg).map_err(|e| Located::Usage {
        report: miette!(
            code = "ngen::inspect::bad_name",
            help = "name an assembly by path, or by display name: \"System.Xml\" or \
                    \"System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089\"",
            "`{arg}` is neither a file nor a valid assembly display name: {e}"
        ),
    })?;
    if looks_like_path && name.version.is_none() {
        return Err(Located::Failure {
            report: miette!(code = "ngen::inspect::not_found", "{arg}: no such file"),
        });
    }
    let config = ngen_binder::BinderConfig {
        framework_dir: Some(framework.to_path_buf()),
        ..Default::default()
    };
    ngen_binder::locate_with_config(&name, &config)
        .map(|found| found.path)
        .map_err(|not_found| {
            let gac_dirs = not_found
                .gacs
                .iter()
                .map(|gac| gac.join(&name.name).join(format!("*/{}.dll", name.name)));
            let probed: Vec<String> = gac_dirs
                .chain(ngen_binder::probe::framework_candidates(
                    &not_found.framework,
                    &name.name,
                ))
                .map(|p| format!("  {}", p.display()))
                .collect();
            Located::Failure {
                report: miette!(
                    code = "ngen::inspect::not_found",
                    help = "pass a path, or a display name of an assembly in the framework \
                            directory or a GAC",
                    "no assembly matching `{arg}` was found; probed:\n{}",
                    probed.join("\n")
                ),
            }
        })
}

/// Why an assembly argument could not be located: a usage error (exit 2) or a failure (exit 1).
enum Located {
    Usage { report: miette::Report },
    Failure { report: miette::Report },
}

/// A body that failed to decode.
struct Failure {
    method: String,
    token: u32,
    error: String,
}

/// Everything inspect prints, gathered once for both output forms.
struct Report {
    path: PathBuf,
    identity: String,
    mvid: String,
    architecture: &'static str,
    is_exe: bool,
    entry_point: Option<u32>,
    metadata_version: String,
    references: Vec<String>,
    hints: Vec<(String, &'static str)>,
    default_dependency: Option<&'static str>,
    counts: Vec<(TableId, u32)>,
    methods_with_bodies: u32,
    il_bytes: u64,
    instructions: u64,
    bypass_ngen: Vec<String>,
    failures: Vec<Failure>,
}

fn metadata_error(what: &str, e: ngen_metadata::MetadataError) -> miette::Report {
    miette!(
        code = "ngen::inspect::metadata",
        "cannot read the {what}: {e}"
    )
}

impl Report {
    fn gather(asm: &Assembly, path: &Path) -> miette::Result<Report> {
        let identity = asm
            .identity()
            .map_err(|e| metadata_error("assembly identity", e))?;
        let mvid = ngen_metadata::Guid(asm.mvid().map_err(|e| metadata_error("MVID", e))?);
        let references = asm
            .assembly_refs()
            .map_err(|e| metadata_error("assembly references", e))?
            .iter()
            .map(|r| r.display_name())
            .collect();
        let hints = asm
            .dependency_hints()
            .map_err(|e| metadata_error("DependencyAttribute hints", e))?
            .into_iter()
            .map(|h| (h.assembly, h.load_hint.as_str()))
            .collect();
        let default_dependency = asm
            .default_dependency()
            .map_err(|e| metadata_error("DefaultDependencyAttribute", e))?
            .map(|h| h.as_str());
        let mut report = Report {
            path: path.to_path_buf(),
            identity: identity.display_name(),
            mvid: mvid.to_string(),
            architecture: asm.processor_architecture().as_str(),
            is_exe: asm.is_exe(),
            entry_point: asm.entry_point_token().map(|t| t.0),
            metadata_version: asm.metadata_version().to_string(),
            references,
            hints,
            default_dependency,
            counts: TableId::ALL
                .iter()
                .map(|t| (*t, asm.row_count(*t)))
                .collect(),
            methods_with_bodies: 0,
            il_bytes: 0,
            instructions: 0,
            bypass_ngen: Vec::new(),
            failures: Vec::new(),
        };
        for rid in 1..=asm.row_count(TableId::MethodDef) {
            match decode_body(asm, rid) {
                Ok(Some((il_bytes, instructions))) => {
                    report.methods_with_bodies += 1;
                    report.il_bytes += il_bytes;
                    report.instructions += instructions;
                }
                Ok(None) => {}
                Err(e) => report.failures.push(Failure {
                    method: method_name(asm, rid),
                    token: 0x0600_0000 | rid,
                    error: e.to_string(),
                }),
            }
            match asm.is_bypass_ngen(rid) {
                Ok(true) => report.bypass_ngen.push(method_name(asm, rid)),
                Ok(false) => {}
                Err(e) => report.failures.push(Failure {
                    method: method_name(asm, rid),
                    token: 0x0600_0000 | rid,
                    error: format!("custom attributes: {e}"),
                }),
            }
        }
        Ok(report)
    }

    fn to_json(&self) -> Value {
        let counts: serde_json::Map<String, Value> = self
            .counts
            .iter()
            .map(|(t, n)| (t.name().to_ascii_lowercase(), json!(n)))
            .collect();
        json!({
            "identity": self.identity,
            "path": self.path.display().to_string(),
            "mvid": self.mvid,
            "processor_architecture": self.architecture,
            "kind": if self.is_exe { "exe" } else { "dll" },
            "entry_point": self.entry_point.map(|t| format!("{t:#010x}")),
            "metadata_version": self.metadata_version,
            "references": self.references,
            "hints": self.hints.iter().map(|(a, h)| json!({"assembly": a, "load_hint": h})).collect::<Vec<_>>(),
            "default_dependency": self.default_dependency,
            "counts": counts,
            "bodies": {
                "decoded": self.methods_with_bodies,
                "failed": self.failures.len(),
                "il_bytes": self.il_bytes,
                "instructions": self.instructions,
                "failures": self.failures.iter().map(|f| json!({
                    "method": f.method,
                    "token": format!("{:#010x}", f.token),
                    "error": f.error,
                })).collect::<Vec<_>>(),
            },
            "bypass_ngen": self.bypass_ngen,
        })
    }

    fn human(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        macro_rules! println {
            ($($arg:tt)*) => {{ let _ = writeln!(out, $($arg)*); }};
        }
        println!("Identity:      {}", self.identity);
        println!("Path:          {}", self.path.display());
        println!("MVID:          {}", self.mvid);
        println!("Architecture:  {}", self.architecture);
        match self.entry_point {
            Some(t) if self.is_exe => println!("Kind:          exe (entry point {t:#010x})"),
            _ if self.is_exe => println!("Kind:          exe"),
            _ => println!("Kind:          dll"),
        }
        println!("Metadata:      {}", self.metadata_version);
        println!("References ({}):", self.references.len());
        for r in &self.references {
            println!("  {r}");
        }
        println!("Dependency hints ({}):", self.hints.len());
        for (a, h) in &self.hints {
            println!("  {a}: {h}");
        }
        println!(
            "Default dependency hint: {}",
            self.default_dependency.unwrap_or("(none)")
        );
        println!("Table rows:");
        for (t, n) in self.counts.iter().filter(|(_, n)| *n > 0) {
            println!("  {:<24}{n:>8}", t.name());
        }
        println!(
            "Method bodies: {} decoded, {} failed; {} IL bytes, {} instructions",
            self.methods_with_bodies,
            self.failures.len(),
            self.il_bytes,
            self.instructions
        );
        if !self.bypass_ngen.is_empty() {
            println!("BypassNGen methods ({}):", self.bypass_ngen.len());
            for m in &self.bypass_ngen {
                println!("  {m}");
            }
        }
        for f in &self.failures {
            println!("  FAILED {} ({:#010x}): {}", f.method, f.token, f.error);
        }
        out
    }
}

/// Decodes one body fully (header, EH clauses, locals signature, every instruction).
/// `Ok(None)` = the method has no IL body.
fn decode_body(
    asm: &Assembly,
    rid: u32,
) -> Result<Option<(u64, u64)>, ngen_metadata::MetadataError> {
    let Some(body) = asm.method_body(rid)? else {
        return Ok(None);
    };
    if let Some(token) = body.local_var_sig_token {
        asm.local_var_sig(token)?;
    }
    let instructions = il::validate(body.code)?;
    Ok(Some((body.code.len() as u64, instructions as u64)))
}

/// `Namespace.Type::Method`, or the token when even the name cannot be read.
fn method_name(asm: &Assembly, rid: u32) -> String {
    let name = asm.method_def(rid).map(|m| m.name.to_string());
    let owner = asm
        .method_owner(rid)
        .and_then(|t| asm.type_def_full_name(t));
    match (owner, name) {
        (Ok(o), Ok(n)) => format!("{o}::{n}"),
        (_, Ok(n)) => n,
        _ => format!("MethodDef {rid}"),
    }
}
