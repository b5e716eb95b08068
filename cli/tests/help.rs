//! The command line reads like a well-kept tool: the top-level help says what the program
//! is and lists every subcommand; each subcommand's help ends with examples; the program's
//! own errors look like clap's.

use std::process::Command;

fn help(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_rds-backup-sim"))
        .args(args)
        .arg("--help")
        .output()
        .expect("the program runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).expect("help is UTF-8")
}

#[test]
fn the_top_level_help_says_what_the_program_is_and_lists_every_subcommand() {
    let text = help(&[]);
    assert!(
        text.starts_with(
            "rds-backup-sim: a deterministic simulator of Alibaba Cloud RDS backup state.\n"
        ),
        "{text}"
    );
    for command in ["replay", "serve", "load", "simulate", "merge"] {
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with(&format!("{command} "))),
            "{command} is listed:\n{text}"
        );
    }
    assert!(
        text.contains("\nExamples:\n  rds-backup-sim simulate"),
        "{text}"
    );
}

#[test]
fn each_subcommand_help_ends_with_examples() {
    for command in ["replay", "serve", "load", "simulate", "merge"] {
        let text = help(&[command]);
        let (_, examples) = text
            .rsplit_once("\nExamples:\n")
            .unwrap_or_else(|| panic!("{command} --help has examples:\n{text}"));
        let lines: Vec<&str> = examples.lines().collect();
        assert!(!lines.is_empty(), "{command}: {text}");
        assert!(
            lines
                .iter()
                .all(|l| l.starts_with(&format!("  rds-backup-sim {command}"))),
            "{command}'s examples run {command}:\n{examples}"
        );
    }
}

#[test]
fn an_unknown_subcommand_is_a_clap_error_on_standard_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_rds-backup-sim"))
        .arg("replya")
        .output()
        .expect("the program runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: unrecognized subcommand 'replya'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("tip: a similar subcommand exists: 'replay'"),
        "{stderr}"
    );
}
