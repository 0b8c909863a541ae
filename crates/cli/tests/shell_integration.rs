//! What a packager or an admin installs beside the binary: completion scripts, man pages,
//! and a version that names its commit. Checked with bash, man and git, not with clap.

use std::process::{Command, Output};

fn hybridctl(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_hybridctl"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "hybridctl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(args: &[&str]) -> String {
    String::from_utf8(hybridctl(args).stdout).unwrap()
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let version = stdout(&["--version"]);
    let head = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8(o.stdout).unwrap().trim().to_string());
    let expected = match head {
        Some(commit) => format!(
            "hybridctl {} (commit {commit})\n",
            env!("CARGO_PKG_VERSION")
        ),
        None => format!(
            "hybridctl {} (commit unknown: built without git)\n",
            env!("CARGO_PKG_VERSION")
        ),
    };
    assert_eq!(version, expected);
}

#[test]
fn every_shell_gets_a_script_naming_every_command() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = stdout(&["completions", shell]);
        for command in ["plan", "apply", "drift", "export", "completions", "man"] {
            assert!(
                script.contains(command),
                "{shell} script lacks {command}:\n{script}"
            );
        }
    }
}

#[test]
fn bash_completion_parses_and_completes_subcommands() {
    let script = stdout(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hybridctl.bash");
    std::fs::write(&path, &script).unwrap();
    // Source it and ask for completions of `hybridctl pl`, as bash would on <Tab>.
    let probe = format!(
        "source {}; COMP_WORDS=(hybridctl pl); COMP_CWORD=1; COMP_LINE='hybridctl pl'; COMP_POINT=12; _hybridctl hybridctl pl hybridctl; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        path.display()
    );
    let out = Command::new("bash")
        .args(["--norc", "-c", &probe])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let replies = String::from_utf8(out.stdout).unwrap();
    assert_eq!(replies.trim(), "plan");
}

#[test]
fn bad_shell_is_refused_naming_the_choices() {
    let out = Command::new(env!("CARGO_BIN_EXE_hybridctl"))
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bash, zsh, fish, powershell"), "{err}");
}

#[test]
fn man_pages_render_with_man() {
    let dir = tempfile::tempdir().unwrap();
    hybridctl(&["man", "--out", dir.path().to_str().unwrap()]);
    let mut pages: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    pages.sort();
    for expected in ["hybridctl.1", "hybridctl-plan.1", "hybridctl-export.1"] {
        assert!(pages.iter().any(|p| p == expected), "{pages:?}");
    }
    // man itself formats the page (groff underneath), as an admin would read it.
    let out = Command::new("man")
        .args(["-l", "-P", "cat"])
        .arg(dir.path().join("hybridctl-plan.1"))
        .env("MANWIDTH", "100")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("--detailed-exitcode"), "{text}");
    assert!(text.contains("Read live state"), "{text}");

    // Without --out, the main page goes to stdout.
    let main = stdout(&["man"]);
    assert!(
        main.starts_with(".ie") || main.contains(".TH hybridctl"),
        "{main}"
    );
}
