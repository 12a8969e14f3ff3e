//! Ahead-of-time compilation of one assembly into native-image bytes.
//!
//! Reads the assembly and its resolved references, compiles every method in parallel
//! (excluding what the translator cannot handle, with reasons), embeds the header the
//! runtime validates, links the object into an ELF shared object and returns its bytes with
//! the report. Writes no files: callers (the `compile` command, the cache) store the result.

use std::path::PathBuf;

use ngen_abi::{IMAGE_FORMAT_VERSION, Scenario};
use ngen_image::{
    AssemblyStamp, CellEntry, ContextEntry, ExcludedEntry, ImageHeader, InstanceEntry, SharedEntry,
    encode_header,
};
use ngen_metadata::{Assembly, TableId, Token};

pub use crate::backend::aot::{HeldInstances, InstancePlans};
use crate::backend::aot::{OtherImages, emit_object};
use crate::report::{
    CompiledMethod, ExcludedMethod, ImageReport, InstanceOutcome, SharedCodeOutcome,
};
use crate::type_context::{PathResolver, TypeContext};
use crate::{CompileError, compiler_identity, method_display_name, target_triple};

/// What to compile.
#[derive(Clone, Debug)]
pub struct ImageRequest {
    /// The assembly to compile.
    pub assembly: PathBuf,
    /// The resolved references (e.g. a binder closure); those the assembly references by
    /// name are recorded in the header with their MVIDs.
    pub references: Vec<PathBuf>,
    pub scenario: Scenario,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Images of dependencies to hard-bind to (Ngen's `LoadHint.Always`): calls into them
    /// become direct, the image links to them (`DT_NEEDED`) and records their identity.
    /// Empty: soft binding only (import cells).
    pub hard_dependencies: Vec<PathBuf>,
    /// What other framework assemblies' images hold of their own generics, computed from
    /// their closures and shared by the requests of one process that clone it (`ngen-build
    /// build` of a framework closure computes mscorlib's once); a framework image leaves those
    /// instances to them. `InstancePlans::default()` computes them for this request alone.
    pub instance_plans: InstancePlans,
}

/// A built image, not yet written anywhere.
#[derive(Clone, Debug)]
pub struct BuiltImage {
    /// The ELF shared object.
    pub image_bytes: Vec<u8>,
    pub report: ImageReport,
    pub header: ImageHeader,
    /// The report's [`Coverage`](crate::report::Coverage) (mono's unit): MethodDefs with an
    /// IL body the image holds code for, and those left to the JIT.
    pub methods_compiled: usize,
    pub methods_excluded: usize,
    /// CPU seconds this image took: the calling thread's plus every method worker's. With
    /// images compiling side by side this, not the wall time, is the image's own cost.
    pub cpu_seconds: f64,
}

/// Compiles `req.assembly` into a native image.
pub fn build_image(req: &ImageRequest) -> Result<BuiltImage, CompileError> {
    let cpu_start = crate::cpu_time::thread_cpu_seconds();
    let open = |path: &PathBuf| {
        Assembly::open(path).map_err(|source| CompileError::Metadata {
            path: path.clone(),
            source,
        })
    };
    let asm = open(&req.assembly)?;
    let meta_err = |source| CompileError::Metadata {
        path: req.assembly.clone(),
        source,
    };
    let identity = asm.identity().map_err(meta_err)?;
    let mvid = asm.mvid().map_err(meta_err)?;

    let mut references = Vec::new();
    let wanted = asm.assembly_refs().map_err(meta_err)?;
    let mut candidates = Vec::new();
    for path in &req.references {
        let r = open(path)?;
        let name = r
            .identity()
            .map_err(|source| CompileError::Metadata {
                path: path.clone(),
                source,
            })?
            .name;
        let mvid = r.mvid().map_err(|source| CompileError::Metadata {
            path: path.clone(),
            source,
        })?;
        candidates.push(AssemblyStamp::new(name, mvid));
    }
    for w in &wanted {
        let stamp = candidates
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(&w.name))
            .ok_or_else(|| CompileError::MissingReference {
                assembly: identity.name.clone(),
                reference: w.name.clone(),
            })?;
        if !references.contains(stamp) {
            references.push(stamp.clone());
        }
    }
    references.sort();
    let hard = crate::hard_binding::read(&req.hard_dependencies, &references, req.scenario)?;

    let threads = if req.threads == 0 {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    } else {
        req.threads
    };
    let method_rows = asm.row_count(TableId::MethodDef);
    let mut header_out = None;
    // (assembly, rid, display name, instantiation) of each generic instance, for the report.
    let mut instance_names: Vec<(String, u32, String, String)> = Vec::new();
    // The type system sees the compiled assembly and exactly the references it was given.
    let types = TypeContext::new(
        Some(&req.assembly),
        Box::new(PathResolver::new(
            req.references.iter().map(PathBuf::as_path),
        )),
    );
    // The debug scenario's line tables come from the assembly's symbols, when it has any
    // (an unreadable or mismatched symbol file gives an image without lines).
    let symbols = if req.scenario.debug {
        ngen_symbols::SymbolFile::find_for(&req.assembly, Some(mvid))
            .ok()
            .flatten()
    } else {
        None
    };
    // The closure as the type system sees it: what other framework images hold is computed
    // over the same paths.
    let closure: Vec<PathBuf> = std::iter::once(req.assembly.clone())
        .chain(req.references.iter().cloned())
        .collect();
    let own = identity.name.to_ascii_lowercase();
    let held = |name: &str| {
        (name != own)
            .then(|| req.instance_plans.held_by(name, &closure))
            .flatten()
    };
    let emitted = emit_object(
        &asm,
        &types,
        threads,
        req.scenario,
        symbols.as_ref(),
        OtherImages {
            hard: &hard.images,
            held: &held,
        },
        |cells, outcomes, instances, shared| {
            instance_names = instances
                .instances
                .iter()
                .map(|&(rid, context)| {
                    let c = &instances.contexts[context as usize - 1];
                    let assembly = c.assembly.identity().map(|i| i.name).unwrap_or_default();
                    let name = method_display_name(&c.assembly, rid);
                    let instantiation =
                        format!("<{};{}>", c.names.1.join(","), c.names.2.join(","));
                    (assembly, rid, name, instantiation)
                })
                .collect();
            let header = ImageHeader {
                format_version: IMAGE_FORMAT_VERSION,
                compiler: compiler_identity(),
                target: target_triple().to_string(),
                scenario: req.scenario.bits(),
                assembly: AssemblyStamp::new(identity.name.clone(), mvid),
                references: references.clone(),
                method_rows,
                cells: cells
                    .iter()
                    .map(|key| CellEntry {
                        kind: key.kind as u32,
                        token: key.token,
                        aux: key.aux,
                        context: key.context,
                    })
                    .collect(),
                excluded: outcomes
                    .iter()
                    .filter_map(|o| {
                        o.result.as_ref().err().map(|reason| ExcludedEntry {
                            token: Token::new(TableId::MethodDef, o.rid).0,
                            reason: reason.clone(),
                        })
                    })
                    .collect(),
                contexts: instances
                    .contexts
                    .iter()
                    .map(|c| ContextEntry {
                        assembly: c.names.0.clone(),
                        type_args: c.names.1.clone(),
                        method_args: c.names.2.clone(),
                    })
                    .collect(),
                instances: instances
                    .instances
                    .iter()
                    .map(|&(rid, context)| InstanceEntry {
                        token: Token::new(TableId::MethodDef, rid).0,
                        context,
                    })
                    .collect(),
                shared: shared
                    .iter()
                    .filter_map(|o| {
                        let (register, dictionary) = o.entry.clone()?;
                        Some(SharedEntry {
                            token: Token::new(TableId::MethodDef, o.rid).0,
                            context: o.context,
                            register,
                            dictionary,
                        })
                    })
                    .collect(),
                hard_bindings: hard.bindings.clone(),
            };
            let bytes = encode_header(&header);
            header_out = Some(header);
            bytes
        },
    )
    .map_err(CompileError::Codegen)?;
    let header = header_out.ok_or_else(|| CompileError::Codegen("no header".into()))?;
    let object = emitted.object;
    let image_bytes = ngen_image::link_shared_object(
        // Streamed to the linker's input; the object is dropped before the linker runs.
        move |out| object.object.write_stream(out).map_err(|e| e.to_string()),
        &crate::hard_binding::image_soname(&identity.name),
        &hard.linked,
    )?;

    let mut report = ImageReport {
        assembly: identity.name.clone(),
        // Printed as everywhere else a person reads it (inputs.json, `inspect`, `explain`).
        mvid: ngen_metadata::Guid(mvid).to_string(),
        ..Default::default()
    };
    for o in &emitted.outcomes {
        let token = format!("0x{:08x}", Token::new(TableId::MethodDef, o.rid).0);
        let name = method_display_name(&asm, o.rid);
        match &o.result {
            Ok(size) => report.compiled.push(CompiledMethod {
                token,
                name,
                code_size: *size,
                pinvoke: crate::pinvoke::is_pinvoke(&asm, o.rid),
            }),
            Err(reason) => report.excluded.push(ExcludedMethod {
                token,
                name,
                reason: reason.clone(),
                generic: crate::method::is_generic_definition(&asm, o.rid),
                no_body: matches!(asm.method_body(o.rid), Ok(None)),
            }),
        }
    }
    for ((assembly, rid, name, instantiation), result) in
        instance_names.into_iter().zip(&emitted.instance_outcomes)
    {
        report.instances.push(InstanceOutcome {
            assembly,
            token: format!("0x{:08x}", Token::new(TableId::MethodDef, rid).0),
            name,
            instantiation,
            code_size: result.as_ref().ok().copied(),
            reason: result.as_ref().err().cloned(),
        });
    }
    for o in &emitted.shared_outcomes {
        report.shared.push(SharedCodeOutcome {
            token: format!("0x{:08x}", Token::new(TableId::MethodDef, o.rid).0),
            name: method_display_name(&asm, o.rid),
            form: o.form.clone(),
            code_size: o.result.as_ref().ok().copied(),
            reason: o.result.as_ref().err().cloned(),
        });
    }
    let coverage = report.coverage();
    Ok(BuiltImage {
        image_bytes,
        methods_compiled: coverage.compiled,
        methods_excluded: coverage.left_to_jit,
        report,
        header,
        cpu_seconds: crate::cpu_time::thread_cpu_seconds() - cpu_start + emitted.worker_cpu_seconds,
    })
}
