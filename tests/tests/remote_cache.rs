//! The remote cache (issue 11) against a real server: nginx from Debian with WebDAV `PUT`,
//! started on 127.0.0.1 on a free port with a temporary root, and stopped when the test ends.
//!
//! - two runners with empty local caches: the second fetches every image (100% hits) and its
//!   cache tree is byte-identical to the first's; the token goes out as a Bearer header; the
//!   URL from `NGEN_REMOTE_CACHE`, `--remote-cache`, and `--no-remote-cache` beating both;
//! - the framework closure (mscorlib) round-trips too;
//! - corrupted and truncated blobs on the server: warnings, local compiles, the right tree;
//! - the server stopped (SIGSTOP: it accepts, never answers) mid-build: the build succeeds
//!   after one timeout;
//! - a read-only server refusing `PUT`: the build succeeds with one warning;
//! - a server that accepts connections and never answers gets exactly one connection.
//!
//! Without nginx (tests/setup.sh installs it) the nginx cases print a `SKIPPED:` line
//! (counted as skipped by tests/run.sh) and return.

mod build_common;

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use build_common::{app, stderr, tree_hash};
use ngen_tests::{mcs, ngen_build, run_ok, temp_dir};

/// How the server treats writes and lookups.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// WebDAV PUT on, as a shared cache is run.
    ReadWrite,
    /// GET only: a PUT gets 405.
    ReadOnly,
    /// Like ReadWrite, but action-cache requests are spaced 250 ms apart (nginx's limit_req),
    /// so a test can stop the server between two lookups.
    SlowLookups,
}

/// An nginx process serving `<root>/data` on 127.0.0.1; killed on drop.
struct Nginx {
    child: Child,
    port: u16,
    root: PathBuf,
}

fn nginx_binary() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// The nginx binary, or `None` after saying loudly that the test is skipped.
fn nginx_or_skip(test: &str) -> Option<PathBuf> {
    let found = nginx_binary();
    if found.is_none() {
        ngen_tests::skip_loudly(test, "nginx is not installed (tests/setup.sh installs it)");
    }
    found
}

fn config(root: &Path, port: u16, mode: Mode) -> String {
    let r = root.display();
    let (zone, ac) = match mode {
        Mode::SlowLookups => (
            "limit_req_zone $server_port zone=ac:1m rate=4r/s;",
            "location /cache/ac/ { limit_req zone=ac burst=100; dav_methods PUT; create_full_put_path on; }",
        ),
        _ => ("", ""),
    };
    let writes = match mode {
        Mode::ReadOnly => "",
        _ => "dav_methods PUT; create_full_put_path on;",
    };
    format!(
        "daemon off;\nmaster_process off;\nworker_processes 1;\npid {r}/nginx.pid;\n\
         error_log {r}/error.log;\nevents {{ worker_connections 64; }}\n\
         http {{\n  log_format cache '$request_method $uri $status \"$http_authorization\"';\n\
         access_log {r}/access.log cache;\n  client_body_temp_path {r}/tmp/body;\n\
         proxy_temp_path {r}/tmp/proxy;\n  fastcgi_temp_path {r}/tmp/fastcgi;\n\
         uwsgi_temp_path {r}/tmp/uwsgi;\n  scgi_temp_path {r}/tmp/scgi;\n  {zone}\n\
         server {{\n    listen 127.0.0.1:{port};\n    root {r}/data;\n\
         client_max_body_size 1g;\n    location / {{ {writes} }}\n    {ac}\n  }}\n}}\n"
    )
}

impl Nginx {
    /// Starts nginx over `root` (created as needed; reuse it to restart with another mode).
    fn start(binary: &Path, root: &Path, mode: Mode) -> Nginx {
        std::fs::create_dir_all(root.join("data")).unwrap();
        std::fs::create_dir_all(root.join("tmp")).unwrap();
        for _attempt in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .expect("a free port");
            let conf = root.join("nginx.conf");
            std::fs::write(&conf, config(root, port, mode)).unwrap();
            let mut child = Command::new(binary)
                .arg("-p")
                .arg(root)
                .arg("-c")
                .arg(&conf)
                .arg("-e")
                .arg(root.join("error.log"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start nginx");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Nginx {
                        child,
                        port,
                        root: root.to_path_buf(),
                    };
                }
                if child.try_wait().ok().flatten().is_some() {
                    break; // e.g. the port was taken meanwhile: try another
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!(
            "nginx did not start: {}",
            std::fs::read_to_string(root.join("error.log")).unwrap_or_default()
        );
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/cache", self.port)
    }

    /// `METHOD /uri status "authorization"` per request so far.
    fn access_log(&self) -> Vec<String> {
        std::fs::read_to_string(self.root.join("access.log"))
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect()
    }

    /// The files the server stores in one area (`ac` or `cas`).
    fn stored(&self, area: &str) -> Vec<PathBuf> {
        let dir = self.root.join("data/cache").join(area);
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|rd| rd.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        files
    }

    /// Freezes the server: connections are still accepted by the kernel, nothing answers.
    fn freeze(&self) {
        run_ok(
            Command::new("kill")
                .arg("-STOP")
                .arg(self.child.id().to_string()),
        );
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Appends `[remote-cache]` to the runner's ngen.toml.
fn use_remote(dir: &Path, url: &str, upload: bool, timeout_ms: u64) {
    let manifest = dir.join("ngen.toml");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str(&format!(
        "\n[remote-cache]\nurl = \"{url}\"\nupload = {upload}\ntimeout-ms = {timeout_ms}\n"
    ));
    std::fs::write(manifest, text).unwrap();
}

/// `ngen-build args...` in `dir`, with no remote-cache settings from the test's environment.
fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = ngen_build();
    c.current_dir(dir)
        .args(args)
        .env_remove("NGEN_REMOTE_CACHE")
        .env_remove("NGEN_REMOTE_CACHE_TOKEN");
    c
}

/// What one `build --message-format json` reported.
#[derive(Debug, Default)]
struct Report {
    compiled: Vec<String>,
    fetched: Vec<String>,
    warnings: Vec<String>,
    finished: serde_json::Value,
}

fn parse(stdout: &str) -> Report {
    let mut r = Report::default();
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        let what = format!(
            "{} ({})",
            v["name"].as_str().unwrap_or(""),
            v["scenario"].as_str().unwrap_or("")
        );
        match v["reason"].as_str() {
            Some("native-image") if v["fresh"] == false && v["fetched"] == true => {
                r.fetched.push(what)
            }
            Some("native-image") if v["fresh"] == false => {
                assert_eq!(v["fetched"], false, "{v}");
                r.compiled.push(what);
            }
            Some("remote-cache-warning") => {
                r.warnings.push(v["message"].as_str().unwrap().to_string())
            }
            Some("build-finished") => r.finished = v,
            _ => {}
        }
    }
    assert_eq!(
        r.finished["reason"], "build-finished",
        "build-finished must come last"
    );
    r.compiled.sort();
    r.fetched.sort();
    r
}

/// `build --message-format json` in `dir`, which must succeed.
fn build(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Report {
    let mut args = vec!["build", "--message-format", "json"];
    args.extend_from_slice(extra);
    let mut c = command(dir, &args);
    c.envs(env.iter().copied());
    let out = run_ok(&mut c);
    parse(&String::from_utf8_lossy(&out.stdout))
}

/// `cache stats --json` of the runner in `dir`: its last build.
fn last_build_stats(dir: &Path) -> serde_json::Value {
    let out = run_ok(&mut command(dir, &["cache", "stats", "--json"]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stats JSON");
    v["last_build"].clone()
}

fn cache_tree(dir: &Path) -> String {
    tree_hash(&dir.join("target/ngen"))
}

/// The fixture's images: App, Lib, Leaf and Tool by default, Tool and Leaf in debug.
fn all_images() -> Vec<String> {
    let mut v: Vec<String> = [
        "App (default)",
        "Leaf (debug)",
        "Leaf (default)",
        "Lib (default)",
        "Tool (debug)",
        "Tool (default)",
    ]
    .map(String::from)
    .to_vec();
    v.sort();
    v
}

/// A runner that compiled everything and uploaded it to a fresh server: (server root, runner).
fn populated(binary: &Path) -> (tempfile::TempDir, tempfile::TempDir, Nginx) {
    let root = temp_dir();
    let server = Nginx::start(binary, root.path(), Mode::ReadWrite);
    let a = app();
    use_remote(a.path(), &server.url(), true, 5000);
    let report = build(a.path(), &[], &[]);
    assert_eq!(report.compiled, all_images());
    assert!(
        report.fetched.is_empty() && report.warnings.is_empty(),
        "{report:?}"
    );
    (root, a, server)
}

#[test]
fn a_second_runner_fetches_every_image_and_gets_a_byte_identical_tree() {
    let Some(nginx) = nginx_or_skip("a_second_runner_fetches_every_image") else {
        return;
    };
    let (_root, a, server) = populated(&nginx);
    let stats = last_build_stats(a.path());
    assert_eq!(
        (stats["uploads"].as_u64(), stats["misses"].as_u64()),
        (Some(6), Some(6))
    );
    // One entry per image, and every file of every image directory is stored as a blob.
    assert_eq!(server.stored("ac").len(), 6);
    let files = ngen_tests::files_under(&a.path().join("target/ngen"), &[".local", "index.json"]);
    // Image, report, digest, inputs, summary and fingerprint.
    assert_eq!(files.len(), 6 * 6, "{files:?}");
    for file in &files {
        blob_of(&server, file);
    }
    let requests_before = server.access_log().len();

    // Runner B: empty local cache, URL and token from the environment only.
    let b = app();
    let url = server.url();
    let report = build(
        b.path(),
        &[],
        &[
            ("NGEN_REMOTE_CACHE", &url),
            ("NGEN_REMOTE_CACHE_TOKEN", "s3cret"),
        ],
    );
    assert_eq!(report.fetched, all_images(), "{report:?}");
    assert!(
        report.compiled.is_empty() && report.warnings.is_empty(),
        "{report:?}"
    );
    assert_eq!(report.finished["fetched"], 6);
    assert_eq!(report.finished["compiled"], 0);
    assert_eq!(cache_tree(a.path()), cache_tree(b.path()));
    let stats = last_build_stats(b.path());
    assert_eq!(stats["hits"], 6);
    assert_eq!(stats["misses"], 0);
    assert!(stats["bytes_downloaded"].as_u64().unwrap() > 0);
    assert_eq!(
        stats["uploads"], 0,
        "upload is off unless ngen.toml says so"
    );
    let b_requests = &server.access_log()[requests_before..];
    assert!(b_requests.len() >= 6 * 6, "{b_requests:?}");
    for line in b_requests {
        assert!(
            line.starts_with("GET /cache/") && line.contains(" 200 "),
            "{line}"
        );
        assert!(
            line.ends_with("\"Bearer s3cret\""),
            "the token goes out: {line}"
        );
    }
    // Fetched images are fresh on the next build.
    let again = build(b.path(), &[], &[("NGEN_REMOTE_CACHE", &url)]);
    assert!(again.fetched.is_empty() && again.compiled.is_empty());

    // Runner C, for people, with --remote-cache.
    let c = app();
    let out = run_ok(&mut command(c.path(), &["build", "--remote-cache", &url]));
    let text = stderr(&out);
    assert!(
        text.contains("     Fetched App v1.0.0.0 (default): "),
        "{text}"
    );
    assert!(
        text.contains("Compiled 0 images, fetched 6, 0 fresh"),
        "{text}"
    );
    let out = run_ok(&mut command(c.path(), &["cache", "stats"]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("Remote cache {url}")), "{text}");
    assert!(text.contains("last build: 6 hits, 0 misses"), "{text}");

    // --no-remote-cache beats the environment: nothing is asked.
    let d = app();
    let requests_before = server.access_log().len();
    let report = build(
        d.path(),
        &["--no-remote-cache"],
        &[("NGEN_REMOTE_CACHE", &url)],
    );
    assert_eq!(report.compiled, all_images());
    assert_eq!(server.access_log().len(), requests_before);

    // A URL the client cannot use is a usage error, wherever it comes from.
    let out = command(
        d.path(),
        &["build", "--remote-cache", "https://cache.example"],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("https"), "{}", stderr(&out));
    let out = command(d.path(), &["build"])
        .env("NGEN_REMOTE_CACHE", "cache:8080")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("from NGEN_REMOTE_CACHE"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_framework_closure_is_shared_too() {
    let Some(nginx) = nginx_or_skip("the_framework_closure_is_shared_too") else {
        return;
    };
    let root = temp_dir();
    let server = Nginx::start(&nginx, root.path(), Mode::ReadWrite);
    let runner = |upload: bool| {
        let dir = temp_dir();
        let source = dir.path().join("Hello.cs");
        std::fs::write(
            &source,
            "public static class Hello { public static int Main() { return 0; } }\n",
        )
        .unwrap();
        mcs(&[&source], &dir.path().join("Hello.exe"), &[]);
        std::fs::write(
            dir.path().join("ngen.toml"),
            "compile-framework = true\n[[root]]\npath = \"Hello.exe\"\n",
        )
        .unwrap();
        use_remote(dir.path(), &server.url(), upload, 5000);
        dir
    };
    let a = runner(true);
    let first = build(a.path(), &[], &[]);
    assert!(
        first.compiled.contains(&"mscorlib (default)".to_string()),
        "{first:?}"
    );
    let b = runner(false);
    let second = build(b.path(), &[], &[]);
    assert_eq!(second.fetched, first.compiled);
    assert!(
        second.compiled.is_empty() && second.warnings.is_empty(),
        "{second:?}"
    );
    assert_eq!(cache_tree(a.path()), cache_tree(b.path()));
}

/// The stored blob whose bytes are those of `file`.
fn blob_of(server: &Nginx, file: &Path) -> PathBuf {
    let bytes = std::fs::read(file).unwrap();
    server
        .stored("cas")
        .into_iter()
        .find(|p| std::fs::read(p).unwrap() == bytes)
        .expect("the server holds the blob")
}

/// The image file `<Name>.ni.so` of `name` (default scenario) in a runner's cache.
fn image_file(runner: &Path, name: &str) -> PathBuf {
    let dir = runner
        .join("target/ngen/default")
        .join(name)
        .join("1.0.0.0");
    let fp = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    fp.join(format!("{name}.ni.so"))
}

#[test]
fn corrupted_and_truncated_blobs_are_discarded_and_compiled_locally() {
    let Some(nginx) = nginx_or_skip("corrupted_and_truncated_blobs") else {
        return;
    };
    let (_root, a, server) = populated(&nginx);
    let lib = blob_of(&server, &image_file(a.path(), "Lib"));
    let mut bytes = std::fs::read(&lib).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(&lib, bytes).unwrap();
    let app_blob = blob_of(&server, &image_file(a.path(), "App"));
    let bytes = std::fs::read(&app_blob).unwrap();
    std::fs::write(&app_blob, &bytes[..bytes.len() / 3]).unwrap();

    let b = app();
    use_remote(b.path(), &server.url(), false, 5000);
    let report = build(b.path(), &[], &[]);
    assert_eq!(
        report.compiled,
        vec!["App (default)", "Lib (default)"],
        "{report:?}"
    );
    assert_eq!(report.fetched.len(), 4, "{report:?}");
    assert_eq!(report.warnings.len(), 2, "{report:?}");
    let warnings = report.warnings.join("\n");
    assert!(
        warnings.contains("discarded Lib (default)") && warnings.contains("(corrupt)"),
        "{warnings}"
    );
    assert!(
        warnings.contains("discarded App (default)") && warnings.contains("(truncated)"),
        "{warnings}"
    );
    assert!(warnings.contains("compiling it here"), "{warnings}");
    assert_eq!(cache_tree(a.path()), cache_tree(b.path()));
    let stats = last_build_stats(b.path());
    assert_eq!(
        (stats["hits"].as_u64(), stats["discarded"].as_u64()),
        (Some(4), Some(2))
    );
}

#[test]
fn a_server_stopped_mid_build_costs_one_timeout_and_the_build_goes_on() {
    let Some(nginx) = nginx_or_skip("a_server_stopped_mid_build") else {
        return;
    };
    let (root, a, first) = populated(&nginx);
    drop(first);
    let server = Nginx::start(&nginx, root.path(), Mode::SlowLookups);
    let b = app();
    use_remote(b.path(), &server.url(), true, 500);
    let mut child = command(b.path(), &["build", "--message-format", "json", "-j", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = String::new();
    let mut frozen = false;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if !frozen && line.contains("\"native-image\"") {
            // One image is in; the next lookup waits in nginx's queue: stop the server now.
            server.freeze();
            frozen = true;
        }
        stdout.push_str(&line);
        stdout.push('\n');
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "the build must not fail: {stdout}");
    let report = parse(&stdout);
    assert!(!report.fetched.is_empty(), "{report:?}");
    assert!(
        !report.compiled.is_empty(),
        "the server stopped before the last lookup: {report:?}"
    );
    assert_eq!(report.fetched.len() + report.compiled.len(), 6);
    assert_eq!(report.warnings.len(), 1, "{report:?}");
    assert!(report.warnings[0].contains("is unavailable"), "{report:?}");
    assert!(
        report.warnings[0].contains("for the rest of this build"),
        "{report:?}"
    );
    let stats = last_build_stats(b.path());
    assert_eq!(
        stats["errors"], 1,
        "one timeout, then no more requests: {stats}"
    );
    assert_eq!(
        stats["skipped"].as_u64().unwrap() + 1,
        report.compiled.len() as u64,
        "{stats}"
    );
    assert_eq!(
        stats["uploads"], 0,
        "nothing is uploaded to a server that is down"
    );
    assert_eq!(cache_tree(a.path()), cache_tree(b.path()));
}

#[test]
fn a_read_only_server_refusing_put_leaves_a_warning_and_a_good_build() {
    let Some(nginx) = nginx_or_skip("a_read_only_server_refusing_put") else {
        return;
    };
    let root = temp_dir();
    let server = Nginx::start(&nginx, root.path(), Mode::ReadOnly);
    let a = app();
    use_remote(a.path(), &server.url(), true, 5000);
    let report = build(a.path(), &["-j", "2"], &[]);
    assert_eq!(report.compiled, all_images());
    assert_eq!(report.warnings.len(), 1, "{report:?}");
    assert!(
        report.warnings[0].contains("refused an upload"),
        "{report:?}"
    );
    assert!(report.warnings[0].contains("HTTP 405"), "{report:?}");
    let stats = last_build_stats(a.path());
    assert_eq!(stats["uploads"], 0);
    assert!(stats["upload_failures"].as_u64().unwrap() >= 1, "{stats}");
    assert_eq!(
        stats["misses"], 6,
        "lookups go on after a refused upload: {stats}"
    );
    assert!(server.stored("ac").is_empty());
    let local = app();
    build(local.path(), &[], &[]);
    assert_eq!(cache_tree(a.path()), cache_tree(local.path()));
}

/// A server that accepts connections and never answers; counts them. Stops on drop.
struct HungServer {
    port: u16,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HungServer {
    fn start() -> HungServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (count, stopping) = (Arc::clone(&connections), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                count.fetch_add(1, Ordering::SeqCst);
                held.push(stream);
            }
        });
        HungServer {
            port,
            connections,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for HungServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port)); // wakes the accept loop
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn a_server_that_never_answers_gets_one_connection_per_build() {
    let hung = HungServer::start();
    let b = app();
    use_remote(
        b.path(),
        &format!("http://127.0.0.1:{}/cache", hung.port),
        true,
        300,
    );
    let report = build(b.path(), &["-j", "2"], &[]);
    assert_eq!(report.compiled, all_images());
    assert_eq!(report.warnings.len(), 1, "{report:?}");
    assert!(report.warnings[0].contains("is unavailable"), "{report:?}");
    assert_eq!(hung.connections.load(Ordering::SeqCst), 1);
    let stats = last_build_stats(b.path());
    assert_eq!(
        (stats["errors"].as_u64(), stats["skipped"].as_u64()),
        (Some(1), Some(5))
    );
    let local = app();
    build(local.path(), &[], &[]);
    assert_eq!(cache_tree(b.path()), cache_tree(local.path()));
}
