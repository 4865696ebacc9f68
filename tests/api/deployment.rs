//! The operator's documents cannot drift from the server: every setting the server reads has a
//! row in the README's table and every row is read; every setting `docs/deployment.md` names is
//! one the server reads; and the systemd unit in `docs/` passes `systemd-analyze verify`.

use std::cell::RefCell;
use std::collections::BTreeSet;

use limburgers_worldwide::config::Config;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/{path}")).unwrap()
}

/// The names the server asks its environment for (every one, whatever the values).
fn settings_read() -> BTreeSet<String> {
    let asked = RefCell::new(BTreeSet::new());
    let _ = Config::from_lookup(|name| {
        asked.borrow_mut().insert(name.to_owned());
        None
    });
    let mut asked = asked.into_inner();
    // Read by the log subscriber (tracing's EnvFilter), not by `Config`.
    asked.insert("RUST_LOG".to_owned());
    asked
}

/// `NAME` of every `` | `NAME` | `` row in a Markdown table of `text`.
fn table_names(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`'))
        .map(|(name, _)| name.to_owned())
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .collect()
}

#[test]
fn the_readme_lists_exactly_the_settings_the_server_reads() {
    let readme = read("README.md");
    let table = &readme[readme.find("## Settings").unwrap()..];
    let table = &table[..table[3..].find("\n## ").unwrap()];
    let listed = table_names(table);
    let read = settings_read();
    assert!(read.len() > 20, "{read:?}");
    assert_eq!(
        listed.difference(&read).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "README rows the server does not read"
    );
    assert_eq!(
        read.difference(&listed).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "settings without a README row"
    );
}

#[test]
fn the_deployment_guide_names_only_settings_the_server_reads() {
    let guide = read("docs/deployment.md");
    let read = settings_read();
    // Lines `NAME=value` in its examples, and `| `NAME` |` rows in its tables.
    let mut named: BTreeSet<String> = guide
        .lines()
        .filter_map(|l| l.trim().split_once('='))
        .map(|(name, _)| name.to_owned())
        .filter(|n| n.len() > 3 && n.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .collect();
    for row in guide.lines().filter(|l| l.starts_with("| `")) {
        for name in row.split('`').skip(1).step_by(2) {
            if name.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                named.insert(name.to_owned());
            }
        }
    }
    assert!(named.len() > 8, "{named:?}");
    let unknown: Vec<_> = named.difference(&read).collect();
    assert!(unknown.is_empty(), "not settings: {unknown:?}");
}

#[test]
fn the_systemd_unit_verifies() {
    let dir = tempfile::tempdir().unwrap();
    // The unit as installed, pointing at this build's binary (verify checks it exists).
    let unit = read("docs/limburgers-worldwide.service").replace(
        "/opt/limburgers/limburgers-worldwide",
        env!("CARGO_BIN_EXE_limburgers-worldwide"),
    );
    let path = dir.path().join("limburgers-worldwide.service");
    std::fs::write(&path, unit).unwrap();
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze (Debian's systemd package) is needed to check the unit");
    let said =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert!(said.trim().is_empty(), "{said}");
}
