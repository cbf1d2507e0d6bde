//! The two languages of the station: Vietnamese (default) and English.

use workflow::Message;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// The text in this language.
    pub fn pick<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }

    /// A bilingual engine message in this language.
    pub fn msg(self, m: &Message) -> &str {
        self.pick(&m.vi, &m.en)
    }
}
