//! Differential test of ngen-metadata against `monodis` on every assembly of Mono's framework
//! directory (top level and `Facades/`): identity (name, version, culture, public key token),
//! AssemblyRefs, and row counts of TypeDef, MethodDef, MemberRef and AssemblyRef must agree;
//! every method body and every instruction in it must decode. monodis runs in two threads.

use std::path::{Path, PathBuf};
use std::process::Command;

use ngen_metadata::identity::{hex, public_key_token};
use ngen_metadata::{Assembly, CodedKind, TableId};

/// What monodis says about one assembly.
#[derive(Debug, Default)]
struct Monodis {
    name: String,
    version: String,
    culture: String,
    token: Option<String>,
    refs: Vec<MonodisRef>,
    typedefs: u32,
    /// `(rid, name, flist, mlist, flags, extends raw coded index)` per TypeDef row.
    typedef_rows: Vec<(u32, String, u32, u32, u32, u32)>,
    /// Per MethodDef row: `(rid, instance?, vararg?, parameter count, param list start)`.
    method_rows: Vec<(u32, bool, bool, usize, u32)>,
    /// Per MethodDef row: monodis' parameter type texts (names and [opt]/[out]/[in] removed).
    method_param_types: Vec<(u32, Vec<String>)>,
    /// MethodDef lines monodis itself could not print ("failed to parse due to ...": it could
    /// not load a referenced assembly to format a type).
    methods_monodis_failed: u32,
    /// `(rid, parent table name, parent rid, member name)` per MemberRef row.
    memberref_rows: Vec<(u32, String, u32, String)>,
    methods: u32,
    memberrefs: u32,
}

#[derive(Debug, Default, Clone)]
struct MonodisRef {
    name: String,
    version: String,
    token: Option<String>,
}

fn monodis(option: &str, path: &Path) -> Result<String, String> {
    let out = Command::new("monodis")
        .arg(option)
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run monodis (install mono-utils): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "monodis {option} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Bytes of `0x00000000: AA BB ...` hex-dump lines.
fn dump_bytes<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<u8> {
    let mut bytes = Vec::new();
    for line in lines {
        let Some((addr, rest)) = line.trim().split_once(": ") else {
            break;
        };
        if !addr.starts_with("0x") {
            break;
        }
        for b in rest.split_whitespace() {
            match u8::from_str_radix(b, 16) {
                Ok(v) => bytes.push(v),
                Err(_) => break,
            }
        }
    }
    bytes
}

/// Token hex for a key-or-token dump: 8 bytes are a token, longer ones a key to hash.
fn token_of(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        0 => None,
        8 => Some(hex(bytes)),
        _ => Some(hex(&public_key_token(bytes))),
    }
}

/// `N` from a `... Table (1..N)` header line.
fn table_range_count(text: &str) -> Option<u32> {
    let line = text.lines().find(|l| l.contains("Table (1.."))?;
    let n = line.split("(1..").nth(1)?.split(')').next()?;
    n.trim().parse().ok()
}

fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .map(str::trim)
}

/// `12: Ns.Outer/Inner (flist=1, mlist=2, flags=0x100180, extends=0x2b80)`.
fn parse_typedef_line(line: &str) -> Option<(u32, String, u32, u32, u32, u32)> {
    let (rid, rest) = line.split_once(": ")?;
    let rid = rid.parse().ok()?;
    let (name, fields) = rest.rsplit_once(" (flist=")?;
    let fields = fields.strip_suffix(')')?;
    let mut parts = fields.split(", ");
    let flist = parts.next()?.parse().ok()?;
    let mlist = parts.next()?.strip_prefix("mlist=")?.parse().ok()?;
    let hex = |s: Option<&str>, key: &str| {
        u32::from_str_radix(s?.strip_prefix(key)?.strip_prefix("0x")?, 16).ok()
    };
    let flags = hex(parts.next(), "flags=")?;
    let extends = hex(parts.next(), "extends=")?;
    Some((rid, name.to_string(), flist, mlist, flags, extends))
}

/// `5: instance default void M (int32 a, class X<int32, string> b)  (param: 9 impl_flags: ...)`
/// gives `(5, true, false, 2, 9)`: monodis' signature text is only split at top-level commas.
fn parse_method_line(line: &str) -> Option<(u32, bool, bool, usize, u32)> {
    let (rid, rest) = line.split_once(": ")?;
    let rid = rid.parse().ok()?;
    let (sig, tail) = rest.rsplit_once("  (param: ")?;
    let param_list = tail.split_whitespace().next()?.parse().ok()?;
    let sig = sig.trim_end();
    let body = sig.strip_suffix(')')?;
    // Walk back to the '(' that opens the parameter list.
    let mut depth = 0i32;
    let mut open = None;
    for (i, c) in body.char_indices().rev() {
        match c {
            ')' | '>' | ']' => depth += 1,
            '(' | '<' | '[' if depth > 0 => depth -= 1,
            '(' => {
                open = Some(i);
                break;
            }
            _ => {}
        }
    }
    let params = body.get(open? + 1..)?;
    let mut count = usize::from(!params.trim().is_empty());
    let mut depth = 0i32;
    for c in params.chars() {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | '>' | ']' => depth -= 1,
            ',' if depth == 0 => count += 1,
            _ => {}
        }
    }
    let prefix = body.get(..open?)?;
    Some((
        rid,
        prefix.starts_with("instance "),
        prefix.split_whitespace().any(|w| w == "vararg"),
        count,
        param_list,
    ))
}

/// The parameter list of a `--method` line, split at top-level commas.
fn method_params_text(line: &str) -> Option<(u32, Vec<String>)> {
    let (rid, rest) = line.split_once(": ")?;
    let rid = rid.parse().ok()?;
    let (sig, _) = rest.rsplit_once("  (param: ")?;
    let body = sig.trim_end().strip_suffix(')')?;
    let mut depth = 0i32;
    let mut open = None;
    for (i, c) in body.char_indices().rev() {
        match c {
            ')' | '>' | ']' => depth += 1,
            '(' | '<' | '[' if depth > 0 => depth -= 1,
            '(' => {
                open = Some(i);
                break;
            }
            _ => {}
        }
    }
    let params = body.get(open? + 1..)?;
    let mut out = Vec::new();
    let mut current = String::new();
    let mut depth = 0i32;
    for c in params.chars() {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | '>' | ']' => depth -= 1,
            _ => {}
        }
        if c == ',' && depth == 0 {
            out.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    Some((rid, out.into_iter().map(|p| p.trim().to_string()).collect()))
}

/// Parameter *types* of a `--method` line: `[opt] class X<int32, string> name` -> `class X<int32, string>`.
/// Also drops the `[in][out]` attributes and the ` marshal (...)` suffix (FieldMarshal rows).
fn parse_method_param_types(line: &str) -> Option<(u32, Vec<String>)> {
    let (rid, params) = method_params_text(line)?;
    let types = params
        .iter()
        .map(|p| {
            let mut p = p.as_str();
            while let Some(rest) = ["[opt]", "[out]", "[in]"]
                .iter()
                .find_map(|a| p.strip_prefix(a))
            {
                p = rest.trim_start();
            }
            if let Some((before, _)) = p.split_once(" marshal (") {
                p = before;
            }
            // The name is the last top-level word, when there is one: unnamed parameters
            // print as just the type.
            let mut depth = 0i32;
            let mut cut = p.len();
            for (i, c) in p.char_indices() {
                match c {
                    '(' | '<' | '[' => depth += 1,
                    ')' | '>' | ']' => depth -= 1,
                    ' ' if depth == 0 => cut = i,
                    _ => {}
                }
            }
            let head = &p[..cut];
            let incomplete = ["class", "valuetype", "unsigned", "native", "method"]
                .iter()
                .any(|k| head == *k || head.ends_with(&format!(" {k}")));
            let ty = if incomplete { p } else { head };
            ty.replace('\'', "")
        })
        .collect();
    Some((rid, types))
}

/// A type as monodis prints it in `--method` output: generic parameters by name, no quotes.
fn monodis_type(asm: &Assembly, t: &ngen_metadata::TypeSig, method: u32) -> String {
    use ngen_metadata::{Token, TypeSig};
    let generic_name = |owner: Token, n: u32| -> Option<String> {
        let params = asm.generic_params_of(owner).ok()?;
        params
            .iter()
            .map(|rid| asm.generic_param(*rid).ok())
            .find(|gp| gp.is_some_and(|gp| u32::from(gp.number) == n))
            .flatten()
            .map(|gp| gp.name.to_string())
    };
    let recurse = |t: &TypeSig| monodis_type(asm, t, method);
    let text = match t {
        TypeSig::Var(n) => {
            let owner = asm.method_owner(method).unwrap_or(0);
            format!(
                "!{}",
                generic_name(Token::new(TableId::TypeDef, owner), *n).unwrap_or(n.to_string())
            )
        }
        TypeSig::MVar(n) => format!(
            "!!{}",
            generic_name(Token::new(TableId::MethodDef, method), *n).unwrap_or(n.to_string())
        ),
        TypeSig::SzArray(e) => format!("{}[]", recurse(e)),
        TypeSig::Ptr(e) => format!("{}*", recurse(e)),
        TypeSig::ByRef(e) => format!("{}&", recurse(e)),
        TypeSig::GenericInst {
            is_value_type,
            generic,
            args,
        } => format!(
            "{}{}<{}>",
            if *is_value_type {
                "valuetype "
            } else {
                "class "
            },
            asm.token_type_name(*generic),
            args.iter().map(recurse).collect::<Vec<_>>().join(", ")
        ),
        other => asm.format_type(other),
    };
    text.replace('\'', "")
}

/// `7: TypeRef[136] .ctor`.
fn parse_memberref_line(line: &str) -> Option<(u32, String, u32, String)> {
    let (rid, rest) = line.split_once(": ")?;
    let rid = rid.parse().ok()?;
    let (table, rest) = rest.split_once('[')?;
    let (parent, name) = rest.split_once("] ")?;
    Some((
        rid,
        table.to_string(),
        parent.parse().ok()?,
        name.to_string(),
    ))
}

fn parse_monodis(path: &Path) -> Result<Monodis, String> {
    let assembly = monodis("--assembly", path)?;
    let mut m = Monodis {
        name: field(&assembly, "Name:")
            .ok_or("no Name: in --assembly")?
            .to_string(),
        version: field(&assembly, "Version:")
            .ok_or("no Version: in --assembly")?
            .to_string(),
        culture: field(&assembly, "Culture:").unwrap_or("").to_string(),
        ..Monodis::default()
    };
    let mut lines = assembly
        .lines()
        .skip_while(|l| !l.starts_with("PublicKey:"));
    lines.next();
    let key = dump_bytes(lines.skip_while(|l| l.trim() == "Dump:"));
    m.token = token_of(&key);

    let refs = monodis("--assemblyref", path)?;
    let lines: Vec<&str> = refs.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some((num, rest)) = line.split_once(": Version=") else {
            continue;
        };
        if num.trim().parse::<u32>().is_err() {
            continue;
        }
        let mut r = MonodisRef {
            version: rest.trim().to_string(),
            ..MonodisRef::default()
        };
        for follow in lines.iter().skip(i + 1) {
            let f = follow.trim();
            if f.contains(": Version=") {
                break;
            }
            if let Some(n) = f.strip_prefix("Name=") {
                r.name = n.to_string();
            }
        }
        let key_start = lines
            .iter()
            .skip(i + 1)
            .position(|l| l.trim() == "Public Key:")
            .map(|p| p + i + 2);
        if let Some(k) = key_start {
            r.token = token_of(&dump_bytes(lines.iter().skip(k).copied()));
        }
        m.refs.push(r);
    }

    let typedefs = monodis("--typedef", path)?;
    m.typedefs = typedefs
        .lines()
        .filter(|l| {
            l.split_once(": ")
                .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .count() as u32;
    m.typedef_rows = typedefs.lines().filter_map(parse_typedef_line).collect();
    let methods = monodis("--method", path)?;
    m.methods = table_range_count(&methods).ok_or("no Method Table header")?;
    m.method_rows = methods.lines().filter_map(parse_method_line).collect();
    m.method_param_types = methods
        .lines()
        .filter_map(parse_method_param_types)
        .collect();
    m.methods_monodis_failed = methods
        .lines()
        .filter(|l| l.contains(": failed to parse due to "))
        .count() as u32;
    let memberrefs = monodis("--memberref", path)?;
    m.memberrefs = table_range_count(&memberrefs).ok_or("no MemberRef Table header")?;
    m.memberref_rows = memberrefs
        .lines()
        .filter_map(parse_memberref_line)
        .collect();
    Ok(m)
}

/// Compares one assembly; returns the list of disagreements (empty = agreement).
fn check(path: &Path) -> Result<Vec<String>, String> {
    let expected = parse_monodis(path)?;
    let mut problems = Vec::new();
    let mut bad = |what: String| problems.push(format!("{}: {what}", path.display()));
    let asm = match Assembly::open(path) {
        Ok(a) => a,
        Err(e) => {
            bad(format!("ngen-metadata cannot open it: {e}"));
            return Ok(problems);
        }
    };
    match asm.identity() {
        Ok(id) => {
            if id.name != expected.name {
                bad(format!("name {} != monodis {}", id.name, expected.name));
            }
            if id.version.to_string() != expected.version {
                bad(format!(
                    "version {} != monodis {}",
                    id.version, expected.version
                ));
            }
            if id.culture.as_deref().unwrap_or("") != expected.culture {
                bad(format!(
                    "culture {:?} != monodis {:?}",
                    id.culture, expected.culture
                ));
            }
            let token = id.public_key_token().map(|t| hex(&t));
            if token != expected.token {
                bad(format!("token {token:?} != monodis {:?}", expected.token));
            }
        }
        Err(e) => bad(format!("identity: {e}")),
    }
    match asm.assembly_refs() {
        Ok(refs) => {
            if refs.len() != expected.refs.len() {
                bad(format!(
                    "{} assembly refs != monodis {}",
                    refs.len(),
                    expected.refs.len()
                ));
            }
            for (ours, theirs) in refs.iter().zip(&expected.refs) {
                let token = ours.public_key_token().map(|t| hex(&t));
                if ours.name != theirs.name
                    || ours.version.to_string() != theirs.version
                    || token != theirs.token
                {
                    bad(format!("assembly ref {ours:?} != monodis {theirs:?}"));
                }
            }
        }
        Err(e) => bad(format!("assembly refs: {e}")),
    }
    for (table, want) in [
        (TableId::TypeDef, expected.typedefs),
        (TableId::MethodDef, expected.methods),
        (TableId::MemberRef, expected.memberrefs),
        (TableId::AssemblyRef, expected.refs.len() as u32),
    ] {
        if asm.row_count(table) != want {
            bad(format!(
                "{} rows {} != monodis {want}",
                table.name(),
                asm.row_count(table)
            ));
        }
    }
    // Every TypeDef row: full name (nested as Outer/Inner), member lists, flags, raw Extends.
    if expected.typedef_rows.len() as u32 != expected.typedefs {
        bad(format!(
            "parsed {} of {} monodis typedef lines",
            expected.typedef_rows.len(),
            expected.typedefs
        ));
    }
    for (rid, name, flist, mlist, flags, extends) in &expected.typedef_rows {
        let ours = asm.type_def(*rid).map(|t| {
            (
                asm.type_def_full_name(*rid).unwrap_or_default(),
                t.field_list,
                t.method_list,
                t.flags,
                CodedKind::TypeDefOrRef
                    .encode(t.extends)
                    .unwrap_or(u32::MAX),
            )
        });
        match ours {
            // monodis prints <Module> (row 1) as "(null)".
            Ok((n, f, m, fl, e))
                if (n == *name || (*rid == 1 && name == "(null)"))
                    && (f, m, fl, e) == (*flist, *mlist, *flags, *extends) => {}
            other => bad(format!(
                "TypeDef {rid}: ours {other:?} != monodis ({name}, {flist}, {mlist}, {flags:#x}, {extends:#x})"
            )),
        }
    }
    // Every MethodDef row: instance/static, vararg, parameter count and Param list start.
    if expected.method_rows.len() as u32 + expected.methods_monodis_failed != expected.methods {
        bad(format!(
            "parsed {} (+{} monodis failures) of {} monodis method lines",
            expected.method_rows.len(),
            expected.methods_monodis_failed,
            expected.methods
        ));
    }
    for &(rid, instance, vararg, count, param_list) in &expected.method_rows {
        let ours = asm.method_def(rid).and_then(|m| {
            let sig = asm.method_sig(m.signature)?;
            Ok((
                sig.has_this,
                sig.call_conv == ngen_metadata::CallConv::VarArg,
                sig.params.len(),
                m.param_list,
            ))
        });
        match ours {
            Ok(o) if o == (instance, vararg, count, param_list) => {}
            other => bad(format!(
                "MethodDef {rid}: ours {other:?} != monodis ({instance}, {vararg}, {count}, {param_list})"
            )),
        }
    }
    // Every parameter type of every MethodDef, as monodis prints it.
    let mut type_mismatches = 0;
    for (rid, types) in &expected.method_param_types {
        let Ok(sig) = asm
            .method_def(*rid)
            .and_then(|m| asm.method_sig(m.signature))
        else {
            continue; // reported above
        };
        let ours: Vec<String> = sig
            .params
            .iter()
            .map(|p| monodis_type(&asm, p, *rid))
            .collect();
        if &ours != types {
            type_mismatches += 1;
            if type_mismatches <= 5 {
                bad(format!(
                    "MethodDef {rid} parameter types: ours {ours:?} != monodis {types:?}"
                ));
            }
        }
    }
    // Every MemberRef row: parent table and row, and name.
    if expected.memberref_rows.len() as u32 != expected.memberrefs {
        bad(format!(
            "parsed {} of {} monodis memberref lines",
            expected.memberref_rows.len(),
            expected.memberrefs
        ));
    }
    for (rid, table, parent, name) in &expected.memberref_rows {
        match asm.member_ref(*rid) {
            Ok(m)
                if m.class.table().map(TableId::name) == Some(table.as_str())
                    && m.class.rid() == *parent
                    && m.name == name => {}
            other => bad(format!(
                "MemberRef {rid}: ours {other:?} != monodis {table}[{parent}] {name}"
            )),
        }
    }
    // Every body and instruction must decode; the audit also walks every row, signature and
    // custom attribute, so anything it cannot read is a disagreement with monodis (which can).
    let report = ngen_metadata::audit::audit(&asm);
    for (where_, e) in report.errors.iter().take(20) {
        bad(format!("{where_}: {e}"));
    }
    let with_bodies = (1..=asm.row_count(TableId::MethodDef))
        .filter(|rid| matches!(asm.method_body(*rid), Ok(Some(_))))
        .count() as u64;
    if report.bodies != with_bodies {
        bad(format!("{} of {with_bodies} bodies decoded", report.bodies));
    }
    Ok(problems)
}

fn framework_assemblies() -> Vec<PathBuf> {
    let root = Path::new(ngen_tests::FRAMEWORK_DIR);
    let mut files = Vec::new();
    for dir in [root.to_path_buf(), root.join("Facades")] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if matches!(p.extension().and_then(|x| x.to_str()), Some("dll" | "exe")) {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_framework_assembly_agrees_with_monodis() {
    let files = framework_assemblies();
    assert!(
        files.len() > 150,
        "found only {} framework assemblies",
        files.len()
    );
    let started = std::time::Instant::now();
    let (half_a, half_b) = files.split_at(files.len() / 2);
    let results: Vec<(PathBuf, Result<Vec<String>, String>)> = std::thread::scope(|s| {
        let workers: Vec<_> = [half_a, half_b]
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|p| (p.clone(), check(p)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker thread panicked"))
            .collect()
    });
    let mut disagreements = Vec::new();
    let mut monodis_failed = Vec::new();
    for (path, r) in results {
        match r {
            Ok(problems) => disagreements.extend(problems),
            Err(e) => monodis_failed.push(format!("{}: {e}", path.display())),
        }
    }
    let compared = files.len() - monodis_failed.len();
    eprintln!(
        "monodis oracle: {compared} assemblies compared, {} skipped because monodis failed, {:.1?}",
        monodis_failed.len(),
        started.elapsed()
    );
    for m in &monodis_failed {
        eprintln!("  skipped: {m}");
    }
    // monodis may only fail on a handful of oddities; the bulk must be compared.
    assert!(
        compared * 10 >= files.len() * 9,
        "monodis failed on too many files: {monodis_failed:#?}"
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

/// Guards against a vacuous oracle: the monodis parser must actually extract the facts.
#[test]
fn monodis_parser_extracts_identity_refs_and_counts() {
    let m = parse_monodis(&Path::new(ngen_tests::FRAMEWORK_DIR).join("System.dll")).unwrap();
    assert_eq!(m.name, "System");
    assert_eq!(m.version, "4.0.0.0");
    assert_eq!(m.culture, "");
    assert_eq!(m.token.as_deref(), Some("b77a5c561934e089"));
    let mscorlib = m
        .refs
        .iter()
        .find(|r| r.name == "mscorlib")
        .expect("System references mscorlib");
    assert_eq!(mscorlib.version, "4.0.0.0");
    assert_eq!(mscorlib.token.as_deref(), Some("b77a5c561934e089"));
    assert!(m.refs.len() >= 5, "{:?}", m.refs);
    assert!(
        m.typedefs > 1000 && m.methods > 10_000 && m.memberrefs > 1000,
        "{m:?}"
    );
}
