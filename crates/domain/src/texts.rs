//! Text shown to people in both of the platform's languages.

use serde::{Deserialize, Serialize};

/// A text in Vietnamese and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    /// Vietnamese.
    pub vi: String,
    /// English.
    pub en: String,
}

impl Texts {
    /// Both texts.
    pub fn new(vi: &str, en: &str) -> Texts {
        Texts {
            vi: vi.to_owned(),
            en: en.to_owned(),
        }
    }

    /// The English text when `english`, else the Vietnamese one.
    pub fn pick(&self, english: bool) -> &str {
        if english { &self.en } else { &self.vi }
    }

    /// Whether either text is empty after trimming.
    pub fn has_blank(&self) -> bool {
        self.vi.trim().is_empty() || self.en.trim().is_empty()
    }
}
