//! `ngen-build deps`: resolve a root's dependency closure with the binder and say where each
//! assembly bound and why. Human output by default, `--json` for tools; failures become miette
//! diagnostics (config errors point into the config file). Depends on ngen-binder only.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ngen_binder::{
    BindError, BindReason, Binder, BinderConfig, BoundAssembly, Closure, ConfigError,
    RedirectSource,
};

use super::support::print_stdout;

#[derive(clap::Args)]
pub struct Args {
    /// The root assembly: a path (.exe or .dll), or the display name of an assembly in the GAC
    /// or framework directory (`"System.Xml, Version=4.0.0.0, ..."`, or partial: `System.Xml`).
    pub root: String,
    /// The application config file, or the .exe whose `<exe>.config` to use (Ngen's /ExeConfig).
    /// Default: `<root>.config` when it exists. Its directory becomes the default AppBase.
    #[arg(long, value_name = "PATH")]
    pub exe_config: Option<PathBuf>,
    /// Where probing starts (Ngen's /AppBase). Default: the root's directory.
    #[arg(long, value_name = "DIR")]
    pub app_base: Option<PathBuf>,
    /// Mono's framework directory; the GAC is `<DIR>/../gac`.
    #[arg(long, visible_alias = "framework-dir", value_name = "DIR", default_value = ngen_binder::probe::DEFAULT_FRAMEWORK_DIR)]
    pub framework: PathBuf,
    /// An extra GAC root (Mono's `<Name>/<Version>_<Culture>_<Token>/<Name>.dll` layout),
    /// searched before the framework's GAC. Repeatable. `MONO_GAC_PREFIX` adds
    /// `<prefix>/lib/mono/gac` for each prefix after these, as Mono does.
    #[arg(long = "gac", value_name = "DIR")]
    pub gac: Vec<PathBuf>,
    /// Print the closure as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also list every path probed for each assembly (Ngen's /verbose; Fusion-log style).
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Exit non-zero when the closure has warnings (two versions of one assembly, a version
    /// ignored for a simply-named reference, config entries the CLR ignores, dangling hints).
    #[arg(long)]
    pub deny_warnings: bool,
}

/// `writeln!` into a `String` (which cannot fail).
macro_rules! outln {
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    let config = BinderConfig {
        app_base: args.app_base.clone(),
        exe_config: args.exe_config.clone(),
        framework_dir: Some(args.framework.clone()),
        gac_dir: None,
        extra_gacs: args.gac.clone(),
        ignore_mono_gac_prefix: false,
    };
    let root = match root_path(&args.root, &config) {
        Ok(root) => root,
        Err(RootError::Usage(report)) => return Ok(super::support::usage_error(report)),
        Err(RootError::Failed(report)) => return Err(report),
    };
    if let Err(report) = super::support::check_assembly_file(&root) {
        if args.json {
            // As for binding errors: tools reading --json get the error as JSON too.
            let value = serde_json::json!({ "error": report.to_string() });
            let _ = print_stdout(&format!("{value:#}\n"));
        }
        return Err(report);
    }
    let outcome = Binder::new(&root, config).and_then(|b| b.closure().map(|c| (b, c)));
    match outcome {
        Ok((binder, closure)) => {
            let text = if args.json {
                json(&binder, &closure)?
            } else {
                human(&binder, &closure, args.verbose)
            };
            print_stdout(&text)?;
            if args.deny_warnings && !closure.warnings.is_empty() {
                return Err(miette::miette!(
                    code = "ngen::deps::warnings",
                    help = "fix them, or drop --deny-warnings",
                    "{} warning(s) in the closure of {} (--deny-warnings)",
                    closure.warnings.len(),
                    binder.root_path().display()
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            if args.json {
                let value = serde_json::json!({ "error": err.to_string() });
                let _ = print_stdout(&format!("{value:#}\n"));
            }
            Err(diagnostic(err))
        }
    }
}

/// Why the root argument names no assembly: malformed (exit 2) or not found (exit 1).
enum RootError {
    Usage(miette::Report),
    Failed(miette::Report),
}

/// A path when the file exists (or the argument looks like one); otherwise a display name
/// looked up in the GAC and framework directory, as Ngen accepts either.
fn root_path(arg: &str, config: &BinderConfig) -> Result<PathBuf, RootError> {
    let path = PathBuf::from(arg);
    let looks_like_path = arg.contains('/')
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("dll") || e.eq_ignore_ascii_case("exe"));
    if path.exists() || looks_like_path {
        return Ok(path);
    }
    let name = ngen_binder::AssemblyName::parse(arg).map_err(|e| {
        RootError::Usage(miette::miette!(
            code = "ngen::usage::assembly",
            help = "give a path to an .exe/.dll, or a display name such as \"System.Xml, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089\"",
            "{arg:?} is neither a file nor a valid display name: {e}"
        ))
    })?;
    ngen_binder::locate_with_config(&name, config)
        .map(|found| found.path)
        .map_err(|e| {
            RootError::Failed(miette::miette!(
                code = "ngen::deps::root",
                help = "check the spelling; an assembly outside the GAC needs its path, and a \
                        GAC outside Mono's needs --gac DIR or MONO_GAC_PREFIX",
                "{e}"
            ))
        })
}

#[derive(serde::Serialize)]
struct JsonReport<'a> {
    root: &'a Path,
    app_base: &'a Path,
    exe_config: Option<&'a Path>,
    framework_dir: &'a Path,
    gac_dirs: Vec<&'a Path>,
    #[serde(flatten)]
    closure: &'a Closure,
}

fn json(binder: &Binder, closure: &Closure) -> miette::Result<String> {
    let report = JsonReport {
        root: binder.root_path(),
        app_base: binder.app_base(),
        exe_config: binder.config_path(),
        framework_dir: binder.framework_dir(),
        gac_dirs: binder.gac_dirs().collect(),
        closure,
    };
    let mut text = serde_json::to_string_pretty(&report)
        .map_err(|e| miette::miette!("cannot serialize the closure: {e}"))?;
    text.push('\n');
    Ok(text)
}

fn human(binder: &Binder, closure: &Closure, verbose: bool) -> String {
    let mut out = String::new();
    let count = closure.assemblies.len() + 1;
    outln!(
        out,
        "{} assemblies in the closure of {}",
        count,
        binder.root_path().display()
    );
    outln!(out, "  AppBase: {}", binder.app_base().display());
    match binder.config_path() {
        Some(p) => outln!(out, "  config:  {}", p.display()),
        None => outln!(out, "  config:  (none)"),
    }
    let gacs: Vec<String> = binder.gac_dirs().map(|g| g.display().to_string()).collect();
    outln!(out, "  GAC:     {}", gacs.join(", "));
    out.push('\n');
    for assembly in closure.all() {
        human_assembly(&mut out, binder, assembly, verbose);
    }
    if !closure.warnings.is_empty() {
        out.push('\n');
        outln!(out, "warnings:");
        for w in &closure.warnings {
            outln!(out, "  - {w}");
        }
    }
    out
}

fn human_assembly(out: &mut String, binder: &Binder, a: &BoundAssembly, verbose: bool) {
    outln!(
        out,
        "{} -> {} ({})",
        a.name,
        shown_path(binder.app_base(), &a.path),
        why(binder, a)
    );
    if !a.referenced_by.is_empty() {
        let who: Vec<&str> = a.referenced_by.iter().map(|n| n.name.as_str()).collect();
        outln!(out, "    referenced by: {}", who.join(", "));
    }
    for requested in &a.requested_as {
        if requested != &a.name {
            outln!(out, "    requested as:  {requested}");
        }
    }
    if !a.hints.is_empty() {
        let hints: Vec<String> = a
            .hints
            .iter()
            .map(|h| format!("Dependency(\"{}\", LoadHint.{})", h.assembly, h.load_hint))
            .collect();
        outln!(out, "    hints:         {}", hints.join(", "));
    }
    if let Some(d) = a.default_dependency {
        outln!(out, "    hints:         DefaultDependency(LoadHint.{d})");
    }
    if verbose {
        for (i, p) in a.probed.iter().enumerate() {
            let label = if i == 0 { "probed:" } else { "" };
            outln!(out, "    {label:<15}{}", p.display());
        }
    }
}

fn why(binder: &Binder, a: &BoundAssembly) -> String {
    let mut why = match (&a.reason, &a.private_path) {
        (BindReason::PrivatePath, Some(p)) => format!("privatePath \"{p}\""),
        (BindReason::CodeBase, _) => match &a.code_base {
            Some(c) => format!("codeBase \"{}\"", c.href),
            None => "codeBase".to_string(),
        },
        (reason, _) => reason.to_string(),
    };
    if let Some(r) = &a.redirect {
        let source = match &r.source {
            RedirectSource::AppConfig { location, .. } => format!(
                "bindingRedirect at {}:{location}",
                binder
                    .config_path()
                    .and_then(Path::file_name)
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ),
            RedirectSource::PublisherPolicy { path, .. } => {
                format!("publisher policy {}", path.display())
            }
            RedirectSource::FrameworkUnification => "framework unification".to_string(),
        };
        why.push_str(&format!(", redirected from {} by {source}", r.from));
    }
    why
}

/// Paths under the AppBase are shown relative to it; others as they are.
fn shown_path(app_base: &Path, path: &Path) -> String {
    path.strip_prefix(app_base)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.display().to_string())
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code(ngen::deps::config))]
struct ConfigDiagnostic {
    message: String,
    #[source_code]
    source_code: miette::NamedSource<String>,
    #[label("here")]
    span: miette::SourceSpan,
    #[help]
    help: Option<String>,
}

fn diagnostic(err: BindError) -> miette::Report {
    if let BindError::Config(config_err) = &err
        && let Some(report) = config_diagnostic(config_err)
    {
        return report;
    }
    let help = match &err {
        BindError::NotFound { .. } => Some(
            "put the file in the AppBase or a <probing privatePath> folder, add a <codeBase>, or point --app-base/--exe-config/--gac/--framework (or MONO_GAC_PREFIX) at where it lives",
        ),
        BindError::ManifestMismatch {
            mismatch: ngen_binder::Mismatch::Version,
            ..
        } => Some(
            "deploy the referenced version, or add a <bindingRedirect> from the referenced version to the located one in the app config",
        ),
        BindError::ManifestMismatch { .. } => {
            Some("the file found under that name is a different assembly; rename or move it")
        }
        BindError::Incomplete { .. } => Some("each failure is listed above with every path probed"),
        _ => None,
    };
    let code = match &err {
        BindError::Root { .. } => "ngen::deps::root",
        BindError::Config(_) | BindError::BadCodeBase { .. } => "ngen::deps::config",
        BindError::AppBase { .. } => "ngen::deps::app_base",
        BindError::BadImage { .. } => "ngen::deps::bad_image",
        _ => "ngen::deps::unresolved",
    };
    match help {
        Some(h) => miette::miette!(code = code, help = h, "{err}"),
        None => miette::miette!(code = code, "{err}"),
    }
}

fn config_diagnostic(err: &ConfigError) -> Option<miette::Report> {
    let (path, location) = err.location()?;
    let text = std::fs::read_to_string(path).ok()?;
    let offset = location.offset.min(text.len());
    let message = match err {
        ConfigError::Xml { message, .. } => {
            format!("malformed XML in {}: {message}", path.display())
        }
        ConfigError::Invalid { message, .. } => {
            format!("invalid {} ({location}): {message}", path.display())
        }
        ConfigError::Io { .. } => return None,
    };
    Some(miette::Report::new(ConfigDiagnostic {
        message,
        source_code: miette::NamedSource::new(path.display().to_string(), text),
        span: (offset, location.len).into(),
        help: Some("the CLR would refuse to start the application with this config".into()),
    }))
}
