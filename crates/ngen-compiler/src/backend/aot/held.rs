//! What another framework assembly's own image holds of that assembly's generics: its exact
//! instances and the canonical forms mixing value types whose shared code it compiles (asked
//! of mscorlib's image only: [`ASKED`]). A framework image leaves those instances to that
//! image (`shared.rs`'s `drop_served_instances`): the runtime serves an instance from any
//! loaded image's exact code (`image_instances`, keyed by defining assembly, rid and context)
//! or shared code (`shared_code`, keyed by defining assembly, rid and form), so System.Core's
//! `List<int>` need not be compiled again beside mscorlib's. Mono does the same
//! (`add_generic_instances` in `mono/mini/aot-compiler.c` skips methods of other images).
//!
//! ## Model
//! The set is computed from inputs, never read from an image on disk: the defining assembly
//! is opened with its own closure (its references, followed through the paths the dependent
//! compilation was given) in a fresh type system, exactly as its own compilation would open
//! it, and run through the same selection ([`super::select::select_instances`]), so the same
//! inputs give the same set in any order or directory. [`InstancePlans`] caches the sets
//! within one process (`ngen-build build` of a framework closure computes mscorlib's once),
//! keyed by the closure's paths and MVIDs.
//!
//! ## Invariants
//! Only what the defining image declares is held: an instance whose signature its image
//! cannot declare, or which `check_aot_allowed` refuses, is not. An instance the defining
//! image declares but then fails to translate is not known here: the runtime falls back to
//! shared code, then the JIT (under `--jit never`, an error naming the instance).
//!
//! Depends on: [`super::select`] (the selection), [`crate::type_context`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use ngen_metadata::Assembly;

use super::instances::ContextNames;
use crate::type_context::{PathResolver, TypeContext};

/// The one assembly whose image is asked. Counted on Mono 6.8's framework (docs/BENCHMARKS.md
/// §26): System.Core's, System's and System.Xml's images hold 5,516, 3,083 and 3,963 instances
/// of mscorlib's generics with value types, of which mscorlib's image holds 1,218, 1,092 and
/// 766; of System's generics System.Core and System.Xml hold none, and of System.Core's System
/// holds 4, while computing System.Core's set costs twice mscorlib's. mscorlib has no
/// references, so its set is the same for every dependent and computed once per process.
pub(super) const ASKED: &str = "mscorlib";

/// A MethodDef rid with serialized type and method arguments.
type Instantiation = (u32, Vec<String>, Vec<String>);

/// The instances of its own generics a framework assembly's image holds.
#[derive(Debug, Default)]
pub struct HeldInstances {
    /// Exact instances: MethodDef rid, type arguments, method arguments.
    exact: BTreeSet<Instantiation>,
    /// Shared code of forms mixing value and reference types, the same way.
    mixed_forms: BTreeSet<Instantiation>,
}

impl HeldInstances {
    /// Whether the image holds MethodDef `rid` exactly in the context named `names`.
    pub(super) fn holds_exactly(&self, rid: u32, names: &ContextNames) -> bool {
        self.exact
            .contains(&(rid, names.1.clone(), names.2.clone()))
    }

    /// Whether the image holds shared code of MethodDef `rid` in the mixed canonical form
    /// whose arguments are `type_args` and `method_args`.
    pub(super) fn holds_form(
        &self,
        rid: u32,
        type_args: &[String],
        method_args: &[String],
    ) -> bool {
        self.mixed_forms
            .contains(&(rid, type_args.to_vec(), method_args.to_vec()))
    }

    /// How many exact instances and mixed forms it holds.
    pub fn len(&self) -> (usize, usize) {
        (self.exact.len(), self.mixed_forms.len())
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.mixed_forms.is_empty()
    }
}

/// One assembly of a closure: lowercased simple name, path and MVID.
type ClosureEntry = (String, PathBuf, [u8; 16]);

/// One closure's held set, computed by its first asker.
type HeldSlot = Arc<OnceLock<Arc<HeldInstances>>>;

/// The held sets computed in this process, by the defining assembly's closure (its own entry
/// first, then the rest sorted), shared by every compilation that asks (clones share it).
#[derive(Clone, Default)]
pub struct InstancePlans {
    sets: Arc<Mutex<BTreeMap<Vec<ClosureEntry>, HeldSlot>>>,
}

impl std::fmt::Debug for InstancePlans {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InstancePlans")
    }
}

impl InstancePlans {
    /// What the image of the assembly named `name` holds of its own generics, computed (or
    /// found) over its closure as `paths` resolve it (the dependent compilation's assembly and
    /// references). `None` for any assembly but [`ASKED`], and when it cannot be opened: the
    /// dependent then keeps its instances.
    pub fn held_by(&self, name: &str, paths: &[PathBuf]) -> Option<Arc<HeldInstances>> {
        if !name.eq_ignore_ascii_case(ASKED) {
            return None;
        }
        let closure = closure_of(name, paths)?;
        let slot = {
            let mut sets = self.sets.lock().unwrap_or_else(|p| p.into_inner());
            sets.entry(closure.clone()).or_default().clone()
        };
        // Concurrent askers of one set wait for the first to compute it.
        Some(
            slot.get_or_init(|| {
                let start = std::time::Instant::now();
                let held = compute(&closure);
                if super::stats::wanted() {
                    let (exact, forms) = held.len();
                    eprintln!(
                        "compile stats: what {name}'s image holds ({exact} exact instances, {forms} mixed forms) computed in {:.2} s",
                        start.elapsed().as_secs_f64()
                    );
                }
                Arc::new(held)
            })
            .clone(),
        )
    }
}

/// The closure of the assembly named `name`: it and every assembly its references reach, as
/// `paths` resolve names (by file stem, as [`PathResolver`]), with their MVIDs. `None` when
/// `name` itself does not resolve or open.
fn closure_of(name: &str, paths: &[PathBuf]) -> Option<Vec<ClosureEntry>> {
    let by_name: BTreeMap<String, &PathBuf> = paths
        .iter()
        .filter_map(|p| Some((p.file_stem()?.to_str()?.to_ascii_lowercase(), p)))
        .rev() // the first path of a name wins, as PathResolver's
        .collect();
    let root = name.to_ascii_lowercase();
    let mut found: BTreeMap<String, (PathBuf, [u8; 16])> = BTreeMap::new();
    let mut queue = vec![root.clone()];
    while let Some(next) = queue.pop() {
        if found.contains_key(&next) {
            continue;
        }
        let Some(&path) = by_name.get(&next) else {
            // An unresolved reference: the defining compilation would not see it either.
            continue;
        };
        let Ok(asm) = Assembly::open(path) else {
            continue;
        };
        let Ok(mvid) = asm.mvid() else { continue };
        for r in asm.assembly_refs().unwrap_or_default() {
            queue.push(r.name.to_ascii_lowercase());
        }
        found.insert(next, (path.clone(), mvid));
    }
    let (root_path, root_mvid) = found.remove(&root)?;
    let mut closure = vec![(root, root_path, root_mvid)];
    closure.extend(found.into_iter().map(|(n, (p, m))| (n, p, m)));
    Some(closure)
}

/// Runs the defining assembly (`closure[0]`) through the image's selection in a type system of
/// its own, as its own compilation does (`aot::build_image`).
fn compute(closure: &[ClosureEntry]) -> HeldInstances {
    let Some((_, path, _)) = closure.first() else {
        return HeldInstances::default();
    };
    let Ok(asm) = Assembly::open(path) else {
        return HeldInstances::default();
    };
    let references: Vec<&Path> = closure[1..].iter().map(|(_, p, _)| p.as_path()).collect();
    let types = TypeContext::new(Some(path), Box::new(PathResolver::new(references)));
    from_selection(&asm, &types)
}

/// The own instances and mixed forms the selection of `asm` keeps and can declare.
fn from_selection(asm: &Assembly, types: &TypeContext) -> HeldInstances {
    let selection = super::select::select_instances(asm, types, &|_| None);
    let mut held = HeldInstances::default();
    let instances = &selection.instances;
    for (i, &(rid, context)) in instances.instances.iter().enumerate() {
        let c = instances.context(context);
        if c.own
            && selection.instance_declarable[i]
            && crate::method::check_aot_allowed(asm, rid).is_ok()
        {
            held.exact
                .insert((rid, c.names.1.clone(), c.names.2.clone()));
        }
    }
    for (method, declared) in selection.shared.iter().zip(&selection.shared_shapes) {
        if method.context != 0
            && declared.is_ok()
            && crate::method::check_aot_allowed(asm, method.rid).is_ok()
        {
            let names = &instances.context(method.context).names;
            held.mixed_forms
                .insert((method.rid, names.1.clone(), names.2.clone()));
        }
    }
    held
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAMEWORK: &str = "/usr/lib/mono/4.5";

    fn framework(name: &str) -> PathBuf {
        Path::new(FRAMEWORK).join(name)
    }

    /// mscorlib's set depends on its closure, not on the order or the other paths a dependent
    /// was given, and is computed once per `InstancePlans`.
    #[test]
    fn mscorlibs_set_is_the_same_whatever_the_paths_and_is_computed_once() {
        if !framework("mscorlib.dll").is_file() {
            eprintln!("SKIPPED: needs mono's mscorlib (tests/setup.sh installs it)");
            return;
        }
        let plans = InstancePlans::default();
        let core = [framework("System.Core.dll"), framework("mscorlib.dll")];
        let first = plans.held_by("mscorlib", &core).expect("mscorlib's set");
        let reversed = [framework("mscorlib.dll"), framework("System.dll")];
        let again = plans
            .held_by("MSCORLIB", &reversed)
            .expect("mscorlib's set");
        assert!(Arc::ptr_eq(&first, &again), "computed twice");
        let fresh = InstancePlans::default()
            .held_by("mscorlib", &reversed)
            .expect("mscorlib's set");
        assert_eq!(first.exact, fresh.exact);
        assert_eq!(first.mixed_forms, fresh.mixed_forms);
        let (exact, forms) = first.len();
        assert!(exact > 1000 && forms > 100, "{exact} exact, {forms} forms");
        // Only mscorlib's image is asked; an assembly the paths do not resolve gives nothing.
        assert!(plans.held_by("System", &core).is_none());
        assert!(
            plans
                .held_by("mscorlib", &[framework("System.dll")])
                .is_none()
        );
    }
}
