//! Image integrity at load: every image is written with its BLAKE3 digest
//! (`<Name>.ni.so.blake3`, b3sum's format), and the runtime maps only images whose bytes match
//! it. A tampered or digest-less image is rejected (logged under `NGEN_LOG=binding`), its
//! methods are JIT-compiled so the program still prints mono's output, and under `--jit never`
//! the run fails naming the image. `build` notices a modified image and rebuilds it.

mod build_common;
mod integrity_common;

use std::path::Path;

use build_common::{json_build, pairs, stderr, stdout};
use integrity_common::*;

/// File offset and size of the `.text` section of an ELF64 file.
fn text_section(elf: &[u8]) -> (usize, usize) {
    let u16_at = |o: usize| u16::from_le_bytes(elf[o..o + 2].try_into().unwrap()) as usize;
    let u32_at = |o: usize| u32::from_le_bytes(elf[o..o + 4].try_into().unwrap()) as usize;
    let u64_at = |o: usize| u64::from_le_bytes(elf[o..o + 8].try_into().unwrap()) as usize;
    let (shoff, shentsize, shnum, shstrndx) =
        (u64_at(0x28), u16_at(0x3a), u16_at(0x3c), u16_at(0x3e));
    let names = u64_at(shoff + shstrndx * shentsize + 24);
    for i in 0..shnum {
        let sh = shoff + i * shentsize;
        let name = names + u32_at(sh);
        if elf[name..].starts_with(b".text\0") {
            return (u64_at(sh + 24), u64_at(sh + 32));
        }
    }
    panic!("no .text section");
}

/// Flips two bytes in the middle of the image's code, as a corrupt disk or an attacker would.
fn flip_code_bytes(image: &Path) {
    let mut bytes = std::fs::read(image).unwrap();
    let (offset, size) = text_section(&bytes);
    assert!(size > 16, ".text has {size} bytes");
    let at = offset + size / 2;
    bytes[at] ^= 0xff;
    bytes[at + 1] ^= 0xff;
    std::fs::write(image, bytes).unwrap();
}

fn fixture_output_is_monos() {
    let dir = prog();
    let out = ngen_tests::mono(&dir.path().join("Prog.exe"), &[]);
    assert_eq!(stdout(&out), EXPECTED_STDOUT);
    assert_eq!(out.status.code(), Some(EXPECTED_EXIT));
}

#[test]
fn fixture_matches_mono() {
    fixture_output_is_monos();
}

#[test]
fn images_are_written_with_their_digest() {
    let dir = prog();
    json_build(dir.path(), &[]);
    for name in ["Prog", "ProgLib"] {
        let image = cached_image(dir.path(), name);
        let digest = std::fs::read_to_string(image.with_extension("so.blake3")).unwrap();
        let bytes = std::fs::read(&image).unwrap();
        assert_eq!(
            digest,
            format!("{}  {name}.ni.so\n", blake3::hash(&bytes).to_hex())
        );
    }
    // compile --out writes the same sidecar.
    let out = ngen_tests::temp_dir();
    ngen_tests::ngen_compile(&dir.path().join("Prog.exe"), out.path());
    let bytes = std::fs::read(out.path().join("Prog.ni.so")).unwrap();
    assert_eq!(
        std::fs::read_to_string(out.path().join("Prog.ni.so.blake3")).unwrap(),
        format!("{}  Prog.ni.so\n", blake3::hash(&bytes).to_hex())
    );
    // b3sum agrees (its --check reads the same format).
    let check = std::process::Command::new("b3sum")
        .current_dir(out.path())
        .args(["--check", "Prog.ni.so.blake3"])
        .output();
    if let Ok(check) = check {
        assert!(check.status.success(), "{}", stderr(&check));
    }
}

#[test]
fn tampered_image_is_rejected_and_the_jit_runs_instead() {
    let dir = prog();
    json_build(dir.path(), &[]);
    let good = run_prog(dir.path(), &["--jit", "never"], true);
    assert_eq!(stdout(&good), EXPECTED_STDOUT, "{}", stderr(&good));
    assert_eq!(good.status.code(), Some(EXPECTED_EXIT));
    assert!(
        stderr(&good).contains("Prog: using image"),
        "{}",
        stderr(&good)
    );

    let image = cached_image(dir.path(), "Prog");
    flip_code_bytes(&image);

    // Default JIT mode: rejected with the reason, and mono's output all the same.
    let fallback = run_prog(dir.path(), &[], true);
    let err = stderr(&fallback);
    assert_eq!(stdout(&fallback), EXPECTED_STDOUT, "{err}");
    assert_eq!(fallback.status.code(), Some(EXPECTED_EXIT), "{err}");
    assert!(
        err.contains(&format!("Prog: rejected image {}", image.display())),
        "{err}"
    );
    assert!(err.contains("BLAKE3 digest mismatch"), "{err}");
    assert!(err.contains("ProgLib: using image"), "{err}");

    // --jit never: an error naming the image, not the patched code running (Main itself has
    // no valid code, so the run does not start: exit code 1).
    let never = run_prog(dir.path(), &["--jit", "never"], false);
    let err = stderr(&never);
    assert_eq!(never.status.code(), Some(1), "{err}");
    assert!(err.contains(&image.display().to_string()), "{err}");
    assert!(err.contains("BLAKE3 digest mismatch"), "{err}");
    assert_eq!(stdout(&never), "");

    // The next build sees the modified image and rebuilds it; then it is used again.
    let b = json_build(dir.path(), &[]);
    assert_eq!(b.compiled, pairs(&[("Prog", "default")]), "{:?}", b.reasons);
    assert!(
        b.reasons[0].1.iter().any(|r| r.contains("was modified")),
        "{:?}",
        b.reasons
    );
    let again = run_prog(dir.path(), &["--jit", "never"], false);
    assert_eq!(stdout(&again), EXPECTED_STDOUT, "{}", stderr(&again));
}

/// A run stamps each image it hashed that had not changed for two seconds
/// (`ngen_image::verified`), so the next run maps it without hashing it again. A change to the
/// image after that moves its ctime: the stamp no longer vouches for it, and it is hashed and
/// rejected as without stamps.
#[test]
fn an_image_changed_after_its_verification_stamp_is_still_rejected() {
    let dir = prog();
    json_build(dir.path(), &[]);
    let stamps = ngen_tests::temp_dir();
    let run = |extra: &[&str]| {
        ngen_tests::ngen_build()
            .current_dir(dir.path())
            .env("XDG_CACHE_HOME", stamps.path())
            .env("NGEN_LOG", "binding")
            .arg("run")
            .args(extra)
            .arg("Prog.exe")
            .output()
            .unwrap()
    };
    // Older than the racy window, so the first run stamps the images it hashes.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    for _ in 0..2 {
        let good = run(&["--jit", "never"]);
        assert_eq!(stdout(&good), EXPECTED_STDOUT, "{}", stderr(&good));
        assert!(
            stderr(&good).contains("Prog: using image"),
            "{}",
            stderr(&good)
        );
    }
    let stamped = std::fs::read_dir(stamps.path().join("ngen-build-verified"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert!(
        stamped >= 2,
        "Prog's and ProgLib's images stamped: {stamped}"
    );

    let image = cached_image(dir.path(), "Prog");
    flip_code_bytes(&image);
    let never = run(&["--jit", "never"]);
    let err = stderr(&never);
    assert_eq!(never.status.code(), Some(1), "{err}");
    assert!(err.contains("BLAKE3 digest mismatch"), "{err}");
    assert_eq!(stdout(&never), "");
}

#[test]
fn image_without_its_digest_is_rejected() {
    let dir = prog();
    json_build(dir.path(), &[]);
    let image = cached_image(dir.path(), "ProgLib");
    let digest = image.with_extension("so.blake3");
    std::fs::remove_file(&digest).unwrap();
    let fallback = run_prog(dir.path(), &[], true);
    let err = stderr(&fallback);
    assert_eq!(stdout(&fallback), EXPECTED_STDOUT, "{err}");
    assert!(
        err.contains(&format!(
            "ProgLib: rejected image {}: no digest file {}",
            image.display(),
            digest.display()
        )),
        "{err}"
    );
    let never = run_prog(dir.path(), &["--jit", "never"], false);
    assert_eq!(never.status.code(), Some(2), "{}", stderr(&never));
    assert!(
        stderr(&never).contains("no digest file"),
        "{}",
        stderr(&never)
    );
    // build restores it.
    let b = json_build(dir.path(), &[]);
    assert_eq!(b.compiled, pairs(&[("ProgLib", "default")]));
    assert!(digest.is_file());
    let again = run_prog(dir.path(), &["--jit", "never"], false);
    assert_eq!(stdout(&again), EXPECTED_STDOUT, "{}", stderr(&again));
}
