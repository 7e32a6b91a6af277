//! Names of organizations, regions, data planes and workspaces.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A display name: trimmed, 1 to 64 characters, letters, digits, `-`, `_`, `.` and space.
///
/// Letters include non-ASCII ones ("Zürich", "東京"), since regions are often named after places.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

impl Name {
    pub const MAX_CHARS: usize = 64;
    /// Shown under name fields so users know the rules before they break them.
    pub const RULES: &'static str =
        "1 to 64 characters: letters, digits, spaces, '-', '_' and '.'.";

    pub fn parse(raw: &str) -> Result<Name, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("Enter a name.".into());
        }
        let count = trimmed.chars().count();
        if count > Self::MAX_CHARS {
            return Err(format!(
                "Use at most {} characters (this has {count}).",
                Self::MAX_CHARS
            ));
        }
        if let Some(bad) = trimmed
            .chars()
            .find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ')))
        {
            return Err(format!(
                "'{}' is not allowed. Use letters, digits, spaces, '-', '_' and '.'.",
                bad.escape_default()
            ));
        }
        Ok(Name(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Name {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Name::parse(&value)
    }
}

impl From<Name> for String {
    fn from(value: Name) -> Self {
        value.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Name;

    #[test]
    fn accepts_and_trims_valid_names() {
        assert_eq!(
            Name::parse("  eu-west_1.a b ").unwrap().as_str(),
            "eu-west_1.a b"
        );
        assert_eq!(Name::parse("Zürich").unwrap().as_str(), "Zürich");
        assert!(Name::parse(&"a".repeat(64)).is_ok());
        assert!(
            Name::parse(&"é".repeat(64)).is_ok(),
            "the limit counts characters, not bytes"
        );
    }

    #[test]
    fn rejects_empty_names() {
        assert_eq!(Name::parse("").unwrap_err(), "Enter a name.");
        assert_eq!(Name::parse("   ").unwrap_err(), "Enter a name.");
    }

    #[test]
    fn rejects_long_names() {
        let err = Name::parse(&"a".repeat(65)).unwrap_err();
        assert!(err.contains("at most 64"), "{err}");
    }

    #[test]
    fn rejects_other_characters() {
        for bad in [
            "eu/west",
            "a<b",
            "tab\there",
            "semi;colon",
            "new\nline",
            "emoji🙂",
        ] {
            assert!(Name::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
