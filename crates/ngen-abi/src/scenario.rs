//! Ngen scenarios (`/Debug`, `/Profile`): flags recorded in every image header.
//!
//! An image is only valid for the scenario it was compiled for; compiler, image writer and
//! cache share this one definition.

/// The scenario an image is compiled for. Plain flags: `debug` and `profile` may combine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scenario {
    /// Images for debugging (Ngen `/Debug`): no optimisation.
    pub debug: bool,
    /// Images for profiling (Ngen `/Profile`).
    pub profile: bool,
}

impl Scenario {
    /// Bit of `debug` in [`Scenario::bits`].
    pub const DEBUG_BIT: u32 = 1;
    /// Bit of `profile` in [`Scenario::bits`].
    pub const PROFILE_BIT: u32 = 2;

    /// The default scenario (neither debug nor profile).
    pub const DEFAULT: Scenario = Scenario {
        debug: false,
        profile: false,
    };

    /// The flags as stored in image headers.
    pub const fn bits(self) -> u32 {
        (if self.debug { Self::DEBUG_BIT } else { 0 })
            | (if self.profile { Self::PROFILE_BIT } else { 0 })
    }

    /// The scenario for stored flags; unknown bits are rejected.
    pub const fn from_bits(bits: u32) -> Option<Scenario> {
        if bits & !(Self::DEBUG_BIT | Self::PROFILE_BIT) != 0 {
            return None;
        }
        Some(Scenario {
            debug: bits & Self::DEBUG_BIT != 0,
            profile: bits & Self::PROFILE_BIT != 0,
        })
    }

    /// `default`, `debug`, `profile` or `debug+profile`.
    pub const fn name(self) -> &'static str {
        match (self.debug, self.profile) {
            (false, false) => "default",
            (true, false) => "debug",
            (false, true) => "profile",
            (true, true) => "debug+profile",
        }
    }
}

impl std::fmt::Display for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_round_trip_and_reject_unknown() {
        for (debug, profile) in [(false, false), (true, false), (false, true), (true, true)] {
            let s = Scenario { debug, profile };
            assert_eq!(Scenario::from_bits(s.bits()), Some(s));
        }
        assert_eq!(Scenario::from_bits(4), None);
        assert_eq!(Scenario::DEFAULT.name(), "default");
    }
}
