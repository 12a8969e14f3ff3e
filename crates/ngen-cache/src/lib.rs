//! Fingerprints, planner, deterministic cache layout, package archives and Ngen's actions on a native image cache
