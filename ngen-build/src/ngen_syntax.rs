//! Rewrites Ngen.exe's own command syntax into ngen-build's flags, so existing installer
//! scripts run unchanged: `install App.exe /Debug /ExeConfig:App.exe.config /AppBase:dir
//! /queue:1 /nologo /silent /verbose`, `executeQueuedItems 1`, `/?`, `/help`.
//!
//! Switch and action names are case-insensitive, as in Ngen. An argument is treated as a
//! switch only when its name is one of Ngen's and it is not an existing file, so Unix paths
//! such as `/opt/app/App.exe` pass through untouched.

use std::ffi::OsString;

/// Ngen switches without a value → our long flag.
const FLAGS: &[(&str, &str)] = &[
    ("debug", "--debug"),
    ("profile", "--profile"),
    ("nodependencies", "--no-dependencies"),
    ("nologo", "--nologo"),
    ("silent", "--silent"),
    ("verbose", "--verbose"),
    ("queue", "--queue"),
];

/// Ngen switches with a `:value` → our long flag.
const VALUED: &[(&str, &str)] = &[
    ("execonfig", "--exe-config"),
    ("appbase", "--app-base"),
    ("queue", "--queue"),
];

/// Ngen action names (any case) → our subcommand.
const ACTIONS: &[(&str, &str)] = &[
    ("install", "install"),
    ("uninstall", "uninstall"),
    ("update", "update"),
    ("display", "display"),
    ("executequeueditems", "executeQueuedItems"),
    ("eqi", "eqi"),
    ("queue", "queue"),
];

/// Returns `argv` with Ngen-style switches translated. Arguments that are not Ngen switches
/// pass through untouched.
pub fn normalize(argv: Vec<OsString>) -> Vec<OsString> {
    let mut out = Vec::with_capacity(argv.len());
    let mut args = argv.into_iter();
    if let Some(program) = args.next() {
        out.push(program);
    }
    let mut seen_action = false;
    // Only Ngen's actions get Ngen's switches: `run App.exe /help` passes `/help` to the program.
    let mut ngen_action = false;
    // Ngen switches written before the action (`ngen /nologo install App.exe`) move after it.
    let mut leading: Vec<OsString> = Vec::new();
    for (i, arg) in args.enumerate() {
        let Some(text) = arg.to_str() else {
            out.push(arg);
            continue;
        };
        let help = text == "/?" || text.eq_ignore_ascii_case("/help") || text == "-?";
        if help && (i == leading.len() || ngen_action) {
            // `ngen /nologo /?`: the switches mean nothing for the overview.
            if !seen_action {
                leading.clear();
            }
            out.push("--help".into());
            continue;
        }
        if !seen_action && translate_switch(text).is_some() {
            leading.push(arg);
            continue;
        }
        if !seen_action && !text.starts_with('-') && !text.starts_with('/') {
            seen_action = true;
            let lower = text.to_ascii_lowercase();
            match ACTIONS.iter().find(|(ngen, _)| *ngen == lower) {
                Some((_, ours)) => {
                    ngen_action = true;
                    out.push((*ours).into());
                    for held in leading.drain(..) {
                        let translated = held.to_str().and_then(translate_switch);
                        out.push(translated.map(OsString::from).unwrap_or(held));
                    }
                }
                None => {
                    // Not an Ngen action: keep the order so clap names the stray switch.
                    out.append(&mut leading);
                    out.push(arg);
                }
            }
            continue;
        }
        match translate_switch(text).filter(|_| ngen_action) {
            Some(translated) => out.push(translated.into()),
            None => out.push(arg),
        }
    }
    // No action followed: leave them for clap to report.
    out.append(&mut leading);
    out
}

fn translate_switch(text: &str) -> Option<String> {
    let body = text.strip_prefix('/')?;
    if std::path::Path::new(text).exists() {
        return None;
    }
    let (name, value) = match body.split_once(':') {
        Some((n, v)) => (n, Some(v)),
        None => (body, None),
    };
    let lower = name.to_ascii_lowercase();
    match value {
        None => FLAGS
            .iter()
            .find(|(n, _)| *n == lower)
            .map(|(_, ours)| (*ours).to_string()),
        Some(v) => VALUED
            .iter()
            .find(|(n, _)| *n == lower)
            .map(|(_, ours)| format!("{ours}={v}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(args: &[&str]) -> Vec<String> {
        let argv = std::iter::once("ngen-build")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect();
        normalize(argv)
            .into_iter()
            .skip(1)
            .map(|s| s.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn ngen_install_line_translates() {
        assert_eq!(
            norm(&[
                "Install",
                "App.exe",
                "/Debug",
                "/ExeConfig:App.exe.config",
                "/AppBase:dir",
                "/queue:1",
                "/nologo",
                "/silent",
                "/verbose"
            ]),
            vec![
                "install",
                "App.exe",
                "--debug",
                "--exe-config=App.exe.config",
                "--app-base=dir",
                "--queue=1",
                "--nologo",
                "--silent",
                "--verbose"
            ]
        );
    }

    #[test]
    fn help_queue_and_case() {
        assert_eq!(norm(&["/?"]), vec!["--help"]);
        assert_eq!(norm(&["install", "/HELP"]), vec!["install", "--help"]);
        assert_eq!(norm(&["update", "/Queue"]), vec!["update", "--queue"]);
        assert_eq!(
            norm(&["ExecuteQueuedItems", "2"]),
            vec!["executeQueuedItems", "2"]
        );
        assert_eq!(
            norm(&["uninstall", "App", "/PROFILE", "/NoDependencies"]),
            vec!["uninstall", "App", "--profile", "--no-dependencies"]
        );
    }

    #[test]
    fn switches_before_the_action_move_after_it() {
        assert_eq!(
            norm(&["/nologo", "Install", "App.exe", "/queue:2"]),
            vec!["install", "--nologo", "App.exe", "--queue=2"]
        );
        assert_eq!(norm(&["/nologo", "/?"]), vec!["--help"]);
        assert_eq!(
            norm(&["/nologo", "run", "A.exe"]),
            vec!["/nologo", "run", "A.exe"]
        );
        assert_eq!(norm(&["/silent"]), vec!["/silent"]);
    }

    #[test]
    fn unix_paths_and_our_flags_pass_through() {
        assert_eq!(
            norm(&["install", "/tmp", "--debug"]),
            vec!["install", "/tmp", "--debug"]
        );
        assert_eq!(
            norm(&["install", "/opt/app/App.exe"]),
            vec!["install", "/opt/app/App.exe"]
        );
        assert_eq!(norm(&["build", "-j", "2"]), vec!["build", "-j", "2"]);
        assert_eq!(
            norm(&["run", "App.exe", "/help", "/debug"]),
            vec!["run", "App.exe", "/help", "/debug"]
        );
    }
}
