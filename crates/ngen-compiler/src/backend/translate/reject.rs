//! Why the translator rejects a method: the exclusion reason and the IL offset it concerns.
//!
//! Family code says only what is wrong (`Reject::new("stack underflow")`, or an environment's
//! `String` through `?`); the dispatch attaches the offset of the instruction being translated,
//! once ([`Reject::located`]). [`Display`](std::fmt::Display) gives the text images and reports
//! record, `stack underflow at IL_001a`: it is part of the image header, so it must not change.
//!
//! Depends on: nothing.

use std::fmt;

/// An exclusion reason with the IL offset of the instruction it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reject {
    reason: String,
    il_offset: Option<u32>,
    /// Whether the dispatch should still attach the current instruction's offset.
    pending: bool,
    /// Whether the translation had expanded inlined code: the method may still compile
    /// without inlining (`translate/inline.rs`).
    after_inlining: bool,
}

impl Reject {
    /// A reason about the instruction being translated; the dispatch adds its offset.
    pub(crate) fn new(reason: impl Into<String>) -> Reject {
        Reject {
            reason: reason.into(),
            il_offset: None,
            pending: true,
            after_inlining: false,
        }
    }

    /// A reason about the instruction at `il_offset`, which need not be the current one.
    pub(crate) fn at(reason: impl Into<String>, il_offset: u32) -> Reject {
        Reject {
            reason: reason.into(),
            il_offset: Some(il_offset),
            pending: false,
            after_inlining: false,
        }
    }

    /// A reason that takes no instruction offset: about the whole method, or placing itself in
    /// its own text (`inconsistent stack depth at join IL_0004 (1 vs 0)`).
    pub(crate) fn unlocated(reason: impl Into<String>) -> Reject {
        Reject {
            reason: reason.into(),
            il_offset: None,
            pending: false,
            after_inlining: false,
        }
    }

    /// This reason, at `il_offset` unless it was already placed.
    pub(crate) fn located(self, il_offset: u32) -> Reject {
        if self.pending {
            Reject {
                after_inlining: self.after_inlining,
                ..Reject::at(self.reason, il_offset)
            }
        } else {
            self
        }
    }

    /// This reason, marked as met by a translation that had expanded inlined code.
    pub(crate) fn inlining(self, inlined: bool) -> Reject {
        Reject {
            after_inlining: self.after_inlining || inlined,
            ..self
        }
    }

    /// Whether the translation had expanded inlined code: it may succeed without inlining.
    pub(crate) fn after_inlining(&self) -> bool {
        self.after_inlining
    }

    /// The IL offset the reason concerns, if any.
    #[cfg(test)]
    pub(crate) fn il_offset(&self) -> Option<u32> {
        self.il_offset
    }
}

/// An environment's reason (`TranslateEnv` answers in `String`s) about the current instruction.
impl From<String> for Reject {
    fn from(reason: String) -> Reject {
        Reject::new(reason)
    }
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.il_offset {
            Some(offset) => write!(f, "{} at IL_{offset:04x}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Reject;

    #[test]
    fn the_dispatch_places_only_pending_reasons() {
        let pending = Reject::new("stack underflow").located(0x1a);
        assert_eq!(pending.to_string(), "stack underflow at IL_001a");
        assert_eq!(pending.il_offset(), Some(0x1a));
        let placed = Reject::at("bad", 3).located(0x1a);
        assert_eq!(placed.to_string(), "bad at IL_0003");
        let unlocated = Reject::unlocated("control falls off the end of the method").located(7);
        assert_eq!(
            unlocated.to_string(),
            "control falls off the end of the method"
        );
        assert_eq!(unlocated.il_offset(), None);
        // A reason never gets a second offset.
        assert_eq!(placed.located(9).to_string(), "bad at IL_0003");
    }
}
