//! Determinism: the same inputs built in two directories with different `-j` give
//! byte-identical cache trees and byte-identical `package` archives, with fixed tar metadata.

mod build_common;

use build_common::*;
use ngen_tests::files_under;

#[test]
fn two_directories_different_jobs_same_tree_and_same_archive() {
    let a = app();
    let b = app();
    json_build(a.path(), &["-j", "1"]);
    json_build(b.path(), &["-j", "4"]);
    let (ta, tb) = (a.path().join("target/ngen"), b.path().join("target/ngen"));
    assert_eq!(tree_hash(&ta), tree_hash(&tb));

    // Nothing in the tree names the build directory.
    let dir_name = a.path().to_string_lossy().into_owned();
    for entry in files_under(&ta, &[".local"]) {
        let bytes = std::fs::read(&entry).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(&dir_name),
            "{} contains the build path",
            entry.display()
        );
    }

    ok_in(a.path(), &["package", "--out", "images.tar"]);
    ok_in(b.path(), &["package", "--out", "images.tar"]);
    let (pa, pb) = (
        std::fs::read(a.path().join("images.tar")).unwrap(),
        std::fs::read(b.path().join("images.tar")).unwrap(),
    );
    assert_eq!(pa, pb, "package archives differ");

    // Fixed metadata, sorted entries, no .local.
    let listing = std::process::Command::new("tar")
        .args(["--numeric-owner", "--full-time", "-tvf"])
        .arg(a.path().join("images.tar"))
        .env("TZ", "UTC")
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    let names: Vec<&str> = listing
        .lines()
        .map(|l| l.rsplit(' ').next().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(names.contains(&"index.json"));
    assert!(names.iter().all(|n| !n.starts_with(".local")));
    for line in listing.lines() {
        assert!(line.contains(" 0/0 "), "{line}");
        assert!(line.contains("1970-01-01 00:00:00"), "{line}");
        assert!(
            line.starts_with("-rw-r--r--") || line.starts_with("drwxr-xr-x"),
            "{line}"
        );
    }
}

#[test]
fn an_extracted_package_is_the_same_tree() {
    let a = app();
    json_build(a.path(), &[]);
    ok_in(a.path(), &["package", "--out", "images.tar"]);
    let out = ngen_tests::temp_dir();
    let status = std::process::Command::new("tar")
        .arg("-xf")
        .arg(a.path().join("images.tar"))
        .arg("-C")
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        tree_hash(out.path()),
        tree_hash(&a.path().join("target/ngen"))
    );
    assert!(out.path().join("default/App/1.0.0.0").is_dir());
}
