//! The methods a run compiled out of the total: the `Coverage` line `build` (and `install`,
//! `update`) prints after the per-image lines, and the `compile` command's summary.
//!
//! Model: each image built in the run (compiled or fetched) adds its compiled and excluded
//! method counts, as its report (`<Name>.ni.report.json`) records them; fresh images are not
//! read again, so a no-op build costs nothing more. The percentage is rounded down to one
//! decimal so a build that excluded anything never shows 100.0%. Integer arithmetic only: the
//! line is the same on every machine. Issue 8 ("`build` prints the methods compiled out of the
//! total").
//!
//! Depends on: `thousands` of the build command, the cache's `Layout` (report file names).

use super::build::thousands;
use ngen_cache::Layout;

/// Method counts summed over the images built in one run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct MethodTotals {
    pub compiled: usize,
    pub excluded: usize,
    pub images: usize,
    /// The image that excluded the most methods (ties: the first name in order), which the
    /// line names for `ngen-build explain`.
    most_excluded: Option<(usize, String)>,
}

impl MethodTotals {
    /// Adds one image's counts.
    pub fn add(&mut self, name: &str, compiled: usize, excluded: usize) {
        self.compiled += compiled;
        self.excluded += excluded;
        self.images += 1;
        let better = match &self.most_excluded {
            None => excluded > 0,
            Some((n, best)) => excluded > *n || (excluded == *n && name < best.as_str()),
        };
        if better {
            self.most_excluded = Some((excluded, name.to_string()));
        }
    }

    pub fn total(&self) -> usize {
        self.compiled + self.excluded
    }

    /// `compiled 2 of 5 methods (40.0%) in 1 image; 3 excluded: `ngen-build explain X` lists
    /// why`, or None when the run built no image. Without `explain` (no manifest to explain
    /// from: Ngen's actions), the report files are named instead.
    pub fn line(&self, explain: bool) -> Option<String> {
        if self.images == 0 {
            return None;
        }
        let mut text = format!(
            "compiled {} of {} methods ({}) in {} image{}",
            thousands(self.compiled),
            thousands(self.total()),
            percent(self.compiled, self.total()),
            self.images,
            if self.images == 1 { "" } else { "s" }
        );
        if let Some((_, name)) = &self.most_excluded {
            let one = self.images == 1;
            let hint = match (explain, one) {
                (true, true) => format!("`ngen-build explain {name}` lists why"),
                (true, false) => format!("`ngen-build explain {name}` lists why (each image's)"),
                (false, true) => format!("{} lists why", Layout::report_file(name)),
                (false, false) => "each image's <Name>.ni.report.json lists why".to_string(),
            };
            text.push_str(&format!("; {} excluded: {hint}", thousands(self.excluded)));
        }
        Some(text)
    }
}

/// `part` of `whole` as a percentage rounded down to one decimal (`54.2%`); `100.0%` of none.
pub(crate) fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "100.0%".into();
    }
    let tenths = (part as u128 * 1000 / whole as u128) as usize;
    format!("{}.{}%", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_down_so_anything_excluded_is_below_100() {
        assert_eq!(percent(14_787, 27_261), "54.2%");
        assert_eq!(percent(9_999, 10_000), "99.9%");
        assert_eq!(percent(5, 5), "100.0%");
        assert_eq!(percent(0, 0), "100.0%");
        assert_eq!(percent(0, 3), "0.0%");
    }

    #[test]
    fn no_image_built_prints_nothing() {
        assert_eq!(MethodTotals::default().line(true), None);
    }

    #[test]
    fn one_image_names_itself_for_explain() {
        let mut t = MethodTotals::default();
        t.add("X", 2, 3);
        assert_eq!(
            t.line(true).unwrap(),
            "compiled 2 of 5 methods (40.0%) in 1 image; 3 excluded: \
             `ngen-build explain X` lists why"
        );
    }

    #[test]
    fn several_images_sum_and_name_the_one_excluding_most() {
        let mut t = MethodTotals::default();
        t.add("System", 1_000, 200);
        t.add("mscorlib", 13_000, 12_000);
        t.add("App", 787, 274);
        assert_eq!(
            t.line(true).unwrap(),
            "compiled 14,787 of 27,261 methods (54.2%) in 3 images; 12,474 excluded: \
             `ngen-build explain mscorlib` lists why (each image's)"
        );
    }

    #[test]
    fn without_a_manifest_the_report_files_are_named() {
        let mut t = MethodTotals::default();
        t.add("Lib", 3, 1);
        assert_eq!(
            t.line(false).unwrap(),
            "compiled 3 of 4 methods (75.0%) in 1 image; 1 excluded: Lib.ni.report.json lists why"
        );
        t.add("Leaf", 3, 1);
        assert!(
            t.line(false)
                .unwrap()
                .ends_with("; 2 excluded: each image's <Name>.ni.report.json lists why")
        );
    }

    #[test]
    fn nothing_excluded_says_only_the_totals() {
        let mut t = MethodTotals::default();
        t.add("Lib", 3, 0);
        t.add("Leaf", 4, 0);
        assert_eq!(
            t.line(true).unwrap(),
            "compiled 7 of 7 methods (100.0%) in 2 images"
        );
    }
}
