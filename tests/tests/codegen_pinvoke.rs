//! Differential tests of P/Invoke (issues 7 and 9): a program's own `[DllImport("libc")]`
//! calls (primitives, strings, `StringBuilder`, `SetLastError`, a struct by reference, arrays,
//! `bool`, `SafeHandle` in and out, a missing library and entry point caught), and the class
//! libraries' `Interop.Sys` P/Invokes into libmono-native (`File`, `Directory`, `FileStream`,
//! the readers and writers, `Guid.NewGuid`, `DateTime.Now`), each run from its native image
//! and the shared framework images against mono in every mode (`--jit never`, `always`, the
//! default); and the console on a terminal (mono's `TermInfoDriver`), hello world and
//! `Console.ReadLine` under a pseudo-terminal made by `script(1)`.
//!
//! Fixtures: `tests/fixtures/pinvoke/*.cs`.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ngen_tests::{CompiledPrograms, framework_images, ngen_build, skip_loudly};

const PROGRAMS: &[&str] = &["libc_calls", "files", "guid_time", "tty_console"];

fn fixtures() -> &'static CompiledPrograms {
    static F: OnceLock<CompiledPrograms> = OnceLock::new();
    F.get_or_init(|| CompiledPrograms::new("pinvoke", PROGRAMS))
}

#[test]
fn a_programs_own_libc_calls_marshal_like_mono() {
    fixtures().assert_like_mono("libc_calls", &[]);
}

#[test]
fn the_programs_p_invokes_are_compiled_into_its_image() {
    // Marshalling stubs are code of the image, not exclusions left to the JIT.
    let excluded = fixtures().excluded("libc_calls");
    assert!(
        excluded.iter().all(|e| e["name"]
            .as_str()
            .is_some_and(|n| !n.starts_with("Native::"))),
        "P/Invokes excluded: {excluded:?}"
    );
}

#[test]
fn files_directories_and_streams_through_libmono_native_match_mono() {
    fixtures().assert_like_mono("files", &[]);
}

#[test]
fn guid_new_guid_and_local_time_match_mono() {
    fixtures().assert_like_mono("guid_time", &[]);
}

/// Runs `command` under a pseudo-terminal (`script -qec`), types `input` once `prompt` has
/// appeared (so the program has set the terminal up, whatever its start-up time), and
/// returns everything the terminal showed.
fn on_a_terminal(command: &str, prompt: &[u8], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .env("TERM", "xterm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn script");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stdin = child.stdin.take().expect("stdin");
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let reader = std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buffer) {
            if n == 0 || tx.send(buffer[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut shown = Vec::new();
    let mut typed = false;
    let mut last_output = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(bytes) => {
                shown.extend(bytes);
                last_output = Instant::now();
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
        // Typed only once the terminal has been quiet for a while after the prompt: mono's
        // TermInfoDriver asks for the cursor position (`ESC[6n`) and waits for an answer
        // with a timeout, and keys arriving during that wait are read as the answer, so
        // earlier typing makes the screen depend on timing, under mono as here.
        if !typed
            && shown.windows(prompt.len()).any(|w| w == prompt)
            && last_output.elapsed() > Duration::from_secs(3)
        {
            stdin.write_all(input).expect("type");
            typed = true;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
    }
    drop(stdin);
    let _ = child.wait();
    let _ = reader.join();
    shown
}

fn quoted(path: &Path) -> String {
    format!("'{}'", path.display())
}

#[test]
fn hello_world_and_read_line_on_a_terminal_match_mono() {
    if Command::new("script").arg("--version").output().is_err() {
        skip_loudly(
            "hello_world_and_read_line_on_a_terminal_match_mono",
            "script(1) (bsdutils) is not installed",
        );
        return;
    }
    let f = fixtures();
    let exe = f.bin.join("tty_console.exe");
    let expected = on_a_terminal(&format!("mono {}", quoted(&exe)), b"Name? ", b"World\n");
    assert!(
        String::from_utf8_lossy(&expected).contains("Hello, "),
        "mono on a terminal: {}",
        String::from_utf8_lossy(&expected)
    );
    let ngen = ngen_build();
    let bin = ngen.get_program().to_owned();
    for mode in ["never", "always", "default"] {
        let mut command = format!(
            "NGEN_IMAGE_PATH={} {} run --images {} --images {}",
            quoted(&framework_images()),
            quoted(Path::new(&bin)),
            quoted(&f.images),
            quoted(&framework_images()),
        );
        if mode != "default" {
            command.push_str(&format!(" --jit {mode}"));
        }
        command.push_str(&format!(" {}", quoted(&exe)));
        let actual = on_a_terminal(&command, b"Name? ", b"World\n");
        assert_eq!(
            String::from_utf8_lossy(&actual),
            String::from_utf8_lossy(&expected),
            "tty_console under --jit {mode} on a terminal differs from mono"
        );
    }
}
