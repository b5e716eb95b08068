//! JSON answers rendered as XML, for `Format=XML` (spec/emulator.md, "The API endpoint").
//!
//! - The root is `<ACTIONResponse>` for a success and `<Error>` for an error, under an
//!   `<?xml version="1.0" encoding="UTF-8"?>` declaration.
//! - An object member `"K": V` becomes `<K>…</K>`; an object nests; a list becomes its
//!   elements each as `<K>…</K>` (a list inside a list is flattened the same way); an empty
//!   list writes nothing; `null` writes `<K></K>`; strings, numbers and booleans write their
//!   text (a number as its JSON text).
//! - Text escapes `&`, `<`, `>`, `"` and `'`. Characters XML 1.0 cannot carry at all (C0
//!   controls other than tab, newline and carriage return; U+FFFE, U+FFFF) become U+FFFD.
//! - A key that is not an XML name has each character that cannot stand in a name replaced
//!   by `_` (and gets a leading `_` if it does not start with a letter or `_`).
//! - Member order is the answer's ([`Answer::members`]): the JSON body's order. Nested
//!   objects keep the order of their map, which is the JSON text's too.
//!
//! The answer is rendered from its values; no JSON text is parsed back.

use rds_backup_sim::scenario::{Answer, Member};
use serde_json::Value;

/// The XML declaration every XML answer starts with.
pub const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

/// Renders `members` as XML under `root` (`CreateBackupResponse`, `Error`, …).
pub fn render(root: &str, members: &[(&str, Member<'_>)]) -> String {
    let mut out = String::with_capacity(256);
    out.push_str(DECLARATION);
    open(&mut out, root);
    for (key, value) in members {
        match value {
            Member::Text(text) => write_text(&mut out, key, text),
            Member::Value(value) => write_member(&mut out, key, value),
        }
    }
    close(&mut out, root);
    out
}

/// Renders a simulation answer: a success under `<ACTIONResponse>`, an error under
/// `<Error>`.
pub fn render_answer(action: &str, answer: &Answer) -> String {
    let root = if answer.http_status == 200 {
        response_root(action)
    } else {
        ERROR_ROOT.to_owned()
    };
    render(&root, &answer.members())
}

/// The root of a successful answer to `action`: `<ACTIONResponse>`.
pub fn response_root(action: &str) -> String {
    format!("{action}Response")
}

/// The root of an error answer.
pub const ERROR_ROOT: &str = "Error";

fn write_text(out: &mut String, key: &str, text: &str) {
    open(out, key);
    escape_text(out, text);
    close(out, key);
}

fn write_member(out: &mut String, key: &str, value: &Value) {
    match value {
        Value::Array(items) => {
            for item in items {
                write_member(out, key, item);
            }
        }
        Value::Null => {
            open(out, key);
            close(out, key);
        }
        Value::String(text) => write_text(out, key, text),
        Value::Number(n) => write_text(out, key, &n.to_string()),
        Value::Bool(b) => write_text(out, key, if *b { "true" } else { "false" }),
        Value::Object(members) => {
            open(out, key);
            for (k, v) in members {
                write_member(out, k, v);
            }
            close(out, key);
        }
    }
}

fn open(out: &mut String, name: &str) {
    out.push('<');
    push_name(out, name);
    out.push('>');
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    push_name(out, name);
    out.push('>');
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// Writes `name` as an XML name (ASCII letters, digits, `_ - .`; see the module docs).
fn push_name(out: &mut String, name: &str) {
    if !name.chars().next().is_some_and(is_name_start) {
        out.push('_');
    }
    out.extend(name.chars().map(|c| if is_name_char(c) { c } else { '_' }));
}

fn escape_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            '\u{0}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}' => out.push('\u{FFFD}'),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use serde_json::json;

    use super::*;

    fn body(xml: &str) -> &str {
        xml.strip_prefix(DECLARATION).unwrap()
    }

    /// `value`'s members (an object), in its map's order.
    fn render_value(root: &str, value: &Value) -> String {
        let members: Vec<_> = value
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str(), Member::Value(v)))
            .collect();
        render(root, &members)
    }

    #[test]
    fn a_success_answer() {
        let members = [
            ("BackupJobId", Member::Text(Cow::Borrowed("100001"))),
            ("RequestId", Member::Text(Cow::Borrowed("6F1B"))),
        ];
        assert_eq!(
            body(&render(&response_root("CreateBackup"), &members)),
            "<CreateBackupResponse><BackupJobId>100001</BackupJobId><RequestId>6F1B</RequestId></CreateBackupResponse>"
        );
    }

    #[test]
    fn an_error_answer_keeps_the_members_order() {
        let members = [
            ("RequestId", Member::Text(Cow::Borrowed("R"))),
            ("HostId", Member::Text(Cow::Borrowed("rds.aliyuncs.com"))),
            ("Code", Member::Text(Cow::Borrowed("BackupJobExists"))),
            (
                "Message",
                Member::Text(Cow::Borrowed("A backup job already exists.")),
            ),
        ];
        assert_eq!(
            body(&render(ERROR_ROOT, &members)),
            "<Error><RequestId>R</RequestId><HostId>rds.aliyuncs.com</HostId><Code>BackupJobExists</Code><Message>A backup job already exists.</Message></Error>"
        );
    }

    #[test]
    fn lists_repeat_their_key_and_keep_order() {
        let value = json!({"Items":{"BackupJob":[{"BackupJobId":"2","Process":"50"},{"BackupJobId":"1","Process":"0"}]},"RequestId":"R"});
        assert_eq!(
            body(&render_value("DescribeBackupTasksResponse", &value)),
            "<DescribeBackupTasksResponse><Items><BackupJob><BackupJobId>2</BackupJobId><Process>50</Process></BackupJob><BackupJob><BackupJobId>1</BackupJobId><Process>0</Process></BackupJob></Items><RequestId>R</RequestId></DescribeBackupTasksResponse>"
        );
    }

    #[test]
    fn empty_lists_nulls_numbers_booleans_and_nested_lists() {
        let value = json!({"B":true,"F":1.5,"I":-3,"Items":{"Backup":[]},"L":[[1,2],3],"N":null});
        assert_eq!(
            body(&render_value("R", &value)),
            "<R><B>true</B><F>1.5</F><I>-3</I><Items></Items><L>1</L><L>2</L><L>3</L><N></N></R>"
        );
    }

    #[test]
    fn text_is_escaped() {
        let value = json!({"M":"a<b>&\"c'\t\u{1}\u{FFFE}"});
        assert_eq!(
            body(&render_value("R", &value)),
            "<R><M>a&lt;b&gt;&amp;&quot;c&apos;\t\u{FFFD}\u{FFFD}</M></R>"
        );
    }

    #[test]
    fn keys_are_made_xml_names() {
        let value = json!({"":"w","1a":"x","a b<":"y","é":"z"});
        assert_eq!(
            body(&render_value("R", &value)),
            "<R><_>w</_><_1a>x</_1a><a_b_>y</a_b_><__>z</__></R>"
        );
    }

    #[test]
    fn a_simulation_answer_renders_under_its_action_or_error_root() {
        let mut scenario = rds_backup_sim::scenario::Scenario::new();
        let now = rds_backup_sim::Timestamp::clamped(1_767_225_600_000);
        let refused = scenario.call_api("DescribeBackups", &[("DBInstanceId", "rm-none")], now);
        let xml = render_answer("DescribeBackups", &refused);
        assert!(body(&xml).starts_with("<Error><RequestId>"), "{xml}");
        assert!(
            xml.ends_with("<Code>InvalidDBInstanceName.NotFound</Code><Message>Invalid DBInstanceId NotFound.</Message></Error>"),
            "{xml}"
        );
        let listed = scenario.call_api("DescribeDBInstances", &[("RegionId", "cn-hangzhou")], now);
        let xml = render_answer("DescribeDBInstances", &listed);
        assert!(
            body(&xml).starts_with("<DescribeDBInstancesResponse><Items></Items><PageNumber>1</PageNumber><PageRecordCount>0</PageRecordCount><RequestId>"),
            "{xml}"
        );
    }
}
