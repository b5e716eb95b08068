//! The gateway errors of spec/emulator.md, checked before the action, in the spec's order.
//!
//! Codes, statuses and message templates come from one table (`GatewayError::row`) with
//! no wildcard arm; a golden test lists every variant. Two rows are this crate's choice, not
//! the spec's (they come first, because nothing can be checked before the request decodes):
//! a parameter given twice, or not UTF-8, answers Alibaba's common `InvalidParameter` (400).

use rds_backup_sim::ErrorCode;

use crate::params::ParamsError;

/// `HostId` of every error body: the core's.
pub use rds_backup_sim::scenario::HOST_ID;

/// A request refused by the gateway. Each variant carries what decided it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    /// \[choice\] A parameter is given twice in the query or twice in the body (params.rs).
    #[error("parameter {name:?} given more than once")]
    ParameterRepeated {
        /// The parameter's name.
        name: String,
    },
    /// \[choice\] A parameter's name or value is not UTF-8 once decoded (params.rs).
    #[error("parameter {name:?} is not UTF-8")]
    ParameterNotUtf8 {
        /// The parameter's name, lossily decoded.
        name: String,
    },
    /// Check 1: the action is absent, unknown, or a `Sim.*` action.
    #[error("action {action:?} not found")]
    ActionNotFound {
        /// The action named, if any.
        action: Option<String>,
    },
    /// Check 2: a real RDS action that the emulator does not implement (NI-1).
    #[error("action {action:?} is not emulated")]
    NotImplemented {
        /// The action named.
        action: String,
    },
    /// Check 3: a mandatory signing parameter is absent or empty (the first, in spec order).
    #[error("missing parameter {name}")]
    MissingParameter {
        /// The missing parameter's name as the spec writes it.
        name: &'static str,
    },
    /// Check 3: `Version` (V1) or `x-acs-version` (V3) is absent or not `2014-08-15`.
    #[error("invalid version {version:?}")]
    InvalidVersion {
        /// The version given, if any.
        version: Option<String>,
    },
    /// Check 4: V1 `SignatureMethod`/`SignatureVersion` not `HMAC-SHA1`/`1.0`, or a V3
    /// algorithm other than `ACS3-HMAC-SHA256`.
    #[error("invalid signature method {method:?}")]
    InvalidSignatureMethod {
        /// The method (or `method/version` for V1) given.
        method: String,
    },
    /// Check 5 (V3): `host` or an `x-acs-*` header present is not signed.
    #[error("header {header} is not signed")]
    IncompleteSignature {
        /// The first unsigned header that must be signed.
        header: String,
    },
    /// Check 6: the timestamp does not parse or is more than 15 minutes from the real time.
    #[error("timestamp {timestamp:?} expired or invalid")]
    TimestampExpired {
        /// The timestamp given.
        timestamp: String,
    },
    /// Check 7: no such AccessKeyId.
    #[error("access key {access_key_id:?} not found")]
    AccessKeyNotFound {
        /// The AccessKeyId given.
        access_key_id: String,
    },
    /// Check 8: the signature (or, V3, the body hash) does not match.
    #[error("signature does not match; server string to sign is {string_to_sign:?}")]
    SignatureDoesNotMatch {
        /// The server's string to sign.
        string_to_sign: String,
    },
    /// Check 9: the nonce was accepted within its window.
    #[error("nonce {nonce:?} used already")]
    SignatureNonceUsed {
        /// The nonce given.
        nonce: String,
    },
}

impl GatewayError {
    /// The one table: code, HTTP status and message template. In a template, `{}` stands for
    /// the variant's parameter name (`ParameterRepeated`, `ParameterNotUtf8`,
    /// `MissingParameter`) or string to sign (`SignatureDoesNotMatch`).
    fn row(&self) -> (&'static str, u16, &'static str) {
        match self {
            GatewayError::ParameterRepeated { .. } => (
                "InvalidParameter",
                400,
                "The specified parameter \"{}\" is not valid: it is given more than once.",
            ),
            GatewayError::ParameterNotUtf8 { .. } => (
                "InvalidParameter",
                400,
                "The specified parameter \"{}\" is not valid: it is not UTF-8.",
            ),
            GatewayError::ActionNotFound { .. } => {
                let row = ErrorCode::InvalidAction.spec();
                (row.code, row.status, row.message)
            }
            GatewayError::NotImplemented { .. } => (
                "Sim.NotImplemented",
                501,
                "RDS action {} is not emulated by rds-backup-sim; emulated actions: LIST.",
            ),
            GatewayError::MissingParameter { .. } => (
                "MissingParameter",
                400,
                "The input parameter \"{}\" that is mandatory for processing this request is not supplied.",
            ),
            GatewayError::InvalidVersion { .. } => (
                "InvalidVersion",
                400,
                "Specified parameter Version is not valid.",
            ),
            GatewayError::InvalidSignatureMethod { .. } => (
                "InvalidSignatureMethod",
                400,
                "Specified signature method is not valid.",
            ),
            GatewayError::IncompleteSignature { .. } => (
                "IncompleteSignature",
                400,
                "The request signature does not conform to Aliyun standards.",
            ),
            GatewayError::TimestampExpired { .. } => (
                "InvalidTimeStamp.Expired",
                400,
                "Specified time stamp or date value is expired.",
            ),
            GatewayError::AccessKeyNotFound { .. } => (
                "InvalidAccessKeyId.NotFound",
                404,
                "Specified access key is not found.",
            ),
            GatewayError::SignatureDoesNotMatch { .. } => (
                "SignatureDoesNotMatch",
                400,
                "Specified signature is not matched with our calculation. server string to sign is:{}",
            ),
            GatewayError::SignatureNonceUsed { .. } => (
                "SignatureNonceUsed",
                400,
                "Specified signature nonce was used already.",
            ),
        }
    }

    /// The value substituted for `{}` in the message template, if the template has one.
    fn message_argument(&self) -> Option<&str> {
        match self {
            GatewayError::ParameterRepeated { name } | GatewayError::ParameterNotUtf8 { name } => {
                Some(name)
            }
            GatewayError::MissingParameter { name } => Some(name),
            GatewayError::SignatureDoesNotMatch { string_to_sign } => Some(string_to_sign),
            GatewayError::NotImplemented { action } => Some(action),
            GatewayError::ActionNotFound { .. }
            | GatewayError::InvalidVersion { .. }
            | GatewayError::InvalidSignatureMethod { .. }
            | GatewayError::IncompleteSignature { .. }
            | GatewayError::TimestampExpired { .. }
            | GatewayError::AccessKeyNotFound { .. }
            | GatewayError::SignatureNonceUsed { .. } => None,
        }
    }

    /// The wire `Code`.
    pub fn code(&self) -> &'static str {
        self.row().0
    }

    /// The HTTP status.
    pub fn http_status(&self) -> u16 {
        self.row().1
    }

    /// The wire `Message`.
    pub fn message(&self) -> String {
        if let GatewayError::NotImplemented { action } = self {
            // The template's LIST is the emulated actions: the core's one message.
            return rds_backup_sim::scenario::rds_actions::not_implemented_message(action);
        }
        let template = self.row().2;
        match self.message_argument() {
            Some(argument) => template.replacen("{}", argument, 1),
            None => template.to_owned(),
        }
    }
}

impl From<ParamsError> for GatewayError {
    fn from(err: ParamsError) -> GatewayError {
        match err {
            ParamsError::Duplicate { name } => GatewayError::ParameterRepeated { name },
            ParamsError::NotUtf8 { name } => GatewayError::ParameterNotUtf8 { name },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Golden: every variant's code, status and exact message (spec/emulator.md table).
    #[test]
    fn golden_table() {
        let cases: Vec<(GatewayError, &str, u16, &str)> = vec![
            (
                GatewayError::ParameterRepeated { name: "DBInstanceId".into() },
                "InvalidParameter",
                400,
                "The specified parameter \"DBInstanceId\" is not valid: it is given more than once.",
            ),
            (
                GatewayError::ParameterNotUtf8 { name: "DBName".into() },
                "InvalidParameter",
                400,
                "The specified parameter \"DBName\" is not valid: it is not UTF-8.",
            ),
            (
                GatewayError::ActionNotFound { action: Some("Sim.Reset".into()) },
                "InvalidAction.NotFound",
                404,
                "Specified api is not found, please check your url and method.",
            ),
            (
                GatewayError::NotImplemented { action: "DescribeRegions".into() },
                "Sim.NotImplemented",
                501,
                "RDS action DescribeRegions is not emulated by rds-backup-sim; emulated actions: CreateBackup, DeleteBackup, DescribeBackupPolicy, DescribeBackupTasks, DescribeBackups, DescribeDBInstanceAttribute, DescribeDBInstances, ModifyBackupPolicy.",
            ),
            (
                GatewayError::MissingParameter { name: "AccessKeyId" },
                "MissingParameter",
                400,
                "The input parameter \"AccessKeyId\" that is mandatory for processing this request is not supplied.",
            ),
            (
                GatewayError::InvalidVersion { version: Some("2013-05-28".into()) },
                "InvalidVersion",
                400,
                "Specified parameter Version is not valid.",
            ),
            (
                GatewayError::InvalidSignatureMethod { method: "HMAC-SHA256".into() },
                "InvalidSignatureMethod",
                400,
                "Specified signature method is not valid.",
            ),
            (
                GatewayError::IncompleteSignature { header: "host".into() },
                "IncompleteSignature",
                400,
                "The request signature does not conform to Aliyun standards.",
            ),
            (
                GatewayError::TimestampExpired { timestamp: "2020-01-01T00:00:00Z".into() },
                "InvalidTimeStamp.Expired",
                400,
                "Specified time stamp or date value is expired.",
            ),
            (
                GatewayError::AccessKeyNotFound { access_key_id: "nobody".into() },
                "InvalidAccessKeyId.NotFound",
                404,
                "Specified access key is not found.",
            ),
            (
                GatewayError::SignatureDoesNotMatch { string_to_sign: "POST&%2F&A%3D1".into() },
                "SignatureDoesNotMatch",
                400,
                "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&A%3D1",
            ),
            (
                GatewayError::SignatureNonceUsed { nonce: "n".into() },
                "SignatureNonceUsed",
                400,
                "Specified signature nonce was used already.",
            ),
        ];
        assert_eq!(cases.len(), 12, "one case per variant");
        for (err, code, status, message) in cases {
            assert_eq!(err.code(), code, "{err:?}");
            assert_eq!(err.http_status(), status, "{err:?}");
            assert_eq!(err.message(), message, "{err:?}");
        }
    }

    /// The old Python SDK splits the message at the first `:` and compares the second
    /// piece with its own string to sign; V3 strings to sign contain no `:` either.
    #[test]
    fn the_string_to_sign_follows_the_only_colon() {
        let sts =
            "ACS3-HMAC-SHA256\n51163f1ca4c9920b4427763ed5593cf0a518f455bea0b845af4351edfe95051b";
        let err = GatewayError::SignatureDoesNotMatch {
            string_to_sign: sts.into(),
        };
        let message = err.message();
        let pieces: Vec<&str> = message.split(':').collect();
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[1], sts);
    }

    #[test]
    fn a_placeholder_in_an_argument_is_not_substituted_again() {
        let err = GatewayError::ParameterRepeated { name: "{}".into() };
        assert_eq!(
            err.message(),
            "The specified parameter \"{}\" is not valid: it is given more than once."
        );
    }

    #[test]
    fn params_errors_map_to_their_rows() {
        assert_eq!(
            GatewayError::from(ParamsError::Duplicate { name: "a".into() }),
            GatewayError::ParameterRepeated { name: "a".into() }
        );
        assert_eq!(
            GatewayError::from(ParamsError::NotUtf8 { name: "a".into() }),
            GatewayError::ParameterNotUtf8 { name: "a".into() }
        );
    }
}
