//! What a verified request asks for: one of the served API actions, answered in a format.

/// The API actions served on `/`: the core's one declaration (`rds_backup_sim::ops`).
pub use rds_backup_sim::ops::ApiAction;

/// The answer's body format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// `application/json;charset=utf-8`, the default.
    #[default]
    Json,
    /// `text/xml;charset=utf-8`, when `Format=XML` (any case).
    Xml,
}

impl Format {
    /// The format a `Format` parameter asks for: XML for `xml` in any case, JSON otherwise
    /// (absent, `JSON`, `json`, anything else).
    pub fn from_param(value: Option<&str>) -> Format {
        match value {
            Some(v) if v.eq_ignore_ascii_case("xml") => Format::Xml,
            _ => Format::Json,
        }
    }

    /// The `Content-Type` of an answer in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json;charset=utf-8",
            Format::Xml => "text/xml;charset=utf-8",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_parameter_is_case_insensitive_and_defaults_to_json() {
        assert_eq!(Format::from_param(Some("XML")), Format::Xml);
        assert_eq!(Format::from_param(Some("xml")), Format::Xml);
        assert_eq!(Format::from_param(Some("json")), Format::Json);
        assert_eq!(Format::from_param(Some("yaml")), Format::Json);
        assert_eq!(Format::from_param(None), Format::Json);
        assert_eq!(Format::Xml.content_type(), "text/xml;charset=utf-8");
        assert_eq!(
            Format::Json.content_type(),
            "application/json;charset=utf-8"
        );
    }
}
