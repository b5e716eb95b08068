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
//! - Member order is the JSON text's order: the answer is read with its own order-keeping
//!   tree, not `serde_json::Value` (whose map sorts keys unless a workspace-wide feature is
//!   switched on).

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// The XML declaration every XML answer starts with.
pub const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

/// A JSON value that keeps object member order.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Null,
    /// A string, or the JSON text of a number or boolean.
    Text(String),
    List(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Text(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Text(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Text(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Text(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Text(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Text(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Node::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut members = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Node>()? {
            members.push((key, value));
        }
        Ok(Node::Object(members))
    }
}

/// Why a JSON answer could not be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum XmlError {
    /// The text is not JSON.
    #[error("the answer is not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    /// The JSON is not an object.
    #[error("the answer is not a JSON object")]
    NotAnObject,
}

/// Renders the JSON object `json` as XML under `root` (`CreateBackupResponse`, `Error`, …).
pub fn render(root: &str, json: &str) -> Result<String, XmlError> {
    let Node::Object(members) = serde_json::from_str::<Node>(json)? else {
        return Err(XmlError::NotAnObject);
    };
    let mut out = String::with_capacity(json.len() * 2 + 64);
    out.push_str(DECLARATION);
    open(&mut out, root);
    for (key, value) in &members {
        write_member(&mut out, key, value);
    }
    close(&mut out, root);
    Ok(out)
}

/// The root of a successful answer to `action`: `<ACTIONResponse>`.
pub fn response_root(action: &str) -> String {
    format!("{action}Response")
}

/// The root of an error answer.
pub const ERROR_ROOT: &str = "Error";

fn write_member(out: &mut String, key: &str, value: &Node) {
    match value {
        Node::List(items) => {
            for item in items {
                write_member(out, key, item);
            }
        }
        Node::Null => {
            open(out, key);
            close(out, key);
        }
        Node::Text(text) => {
            open(out, key);
            escape_text(out, text);
            close(out, key);
        }
        Node::Object(members) => {
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
    use super::*;

    fn body(xml: &str) -> &str {
        xml.strip_prefix(DECLARATION).unwrap()
    }

    #[test]
    fn a_success_answer() {
        let xml = render(
            &response_root("CreateBackup"),
            r#"{"BackupJobId":"100001","RequestId":"6F1B"}"#,
        )
        .unwrap();
        assert_eq!(
            body(&xml),
            "<CreateBackupResponse><BackupJobId>100001</BackupJobId><RequestId>6F1B</RequestId></CreateBackupResponse>"
        );
    }

    #[test]
    fn an_error_answer() {
        let xml = render(
            ERROR_ROOT,
            r#"{"RequestId":"R","HostId":"rds.aliyuncs.com","Code":"BackupJobExists","Message":"A backup job already exists."}"#,
        )
        .unwrap();
        assert_eq!(
            body(&xml),
            "<Error><RequestId>R</RequestId><HostId>rds.aliyuncs.com</HostId><Code>BackupJobExists</Code><Message>A backup job already exists.</Message></Error>"
        );
    }

    #[test]
    fn lists_repeat_their_key_and_keep_order() {
        let xml = render(
            "DescribeBackupTasksResponse",
            r#"{"Items":{"BackupJob":[{"BackupJobId":"2","Process":"50"},{"BackupJobId":"1","Process":"0"}]},"RequestId":"R"}"#,
        )
        .unwrap();
        assert_eq!(
            body(&xml),
            "<DescribeBackupTasksResponse><Items><BackupJob><BackupJobId>2</BackupJobId><Process>50</Process></BackupJob><BackupJob><BackupJobId>1</BackupJobId><Process>0</Process></BackupJob></Items><RequestId>R</RequestId></DescribeBackupTasksResponse>"
        );
    }

    #[test]
    fn empty_lists_nulls_numbers_booleans_and_nested_lists() {
        let xml = render(
            "R",
            r#"{"Items":{"Backup":[]},"N":null,"I":-3,"F":1.5,"B":true,"L":[[1,2],3]}"#,
        )
        .unwrap();
        assert_eq!(
            body(&xml),
            "<R><Items></Items><N></N><I>-3</I><F>1.5</F><B>true</B><L>1</L><L>2</L><L>3</L></R>"
        );
    }

    #[test]
    fn text_is_escaped() {
        let xml = render("R", r#"{"M":"a<b>&\"c'\t\u0001\uFFFE"}"#).unwrap();
        assert_eq!(
            body(&xml),
            "<R><M>a&lt;b&gt;&amp;&quot;c&apos;\t\u{FFFD}\u{FFFD}</M></R>"
        );
    }

    #[test]
    fn keys_are_made_xml_names() {
        let xml = render("R", r#"{"1a":"x","a b<":"y","é":"z","":"w"}"#).unwrap();
        assert_eq!(
            body(&xml),
            "<R><_1a>x</_1a><a_b_>y</a_b_><__>z</__><_>w</_></R>"
        );
    }

    #[test]
    fn non_objects_and_non_json_are_refused() {
        assert!(matches!(render("R", "[1]"), Err(XmlError::NotAnObject)));
        assert!(matches!(render("R", "nope"), Err(XmlError::NotJson(_))));
        assert_eq!(
            render("R", "[1]").unwrap_err().to_string(),
            "the answer is not a JSON object"
        );
    }
}
