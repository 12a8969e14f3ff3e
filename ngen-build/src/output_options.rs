//! `-q`/`--quiet` and `--color`, accepted by every command, before or after its name (issue
//! 10, item 7).
//!
//! `-q` drops success lines (`Compiled …`, `Packaged …`, `Created …`, `Queued …`, Ngen's
//! `/silent`): only warnings and errors remain, and a failed build still ends with its
//! `error: build failed` line. `--color auto|always|never` decides whether diagnostics are
//! coloured: `auto` (default) colours a terminal unless `NO_COLOR` is set.
//!
//! The choice is made once, in `main`, and read through [`quiet`] where lines are printed.
//!
//! Depends on clap only.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// When to colour diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    /// Always, even into a pipe or a file.
    Always,
    /// Never.
    Never,
}

/// The options every command takes.
#[derive(clap::Args, Clone, Debug)]
pub struct GlobalOptions {
    /// Print only warnings and errors (no `Compiled …`/`Packaged …` lines).
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
    /// Colour diagnostics: auto (a terminal without NO_COLOR), always, never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

impl GlobalOptions {
    /// Records `-q` for [`quiet`]; returns whether diagnostics are coloured.
    pub fn apply(&self) -> bool {
        QUIET.store(self.quiet, Ordering::SeqCst);
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        }
    }
}

/// Whether `-q` was given.
pub fn quiet() -> bool {
    QUIET.load(Ordering::SeqCst)
}
