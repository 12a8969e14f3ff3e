//! `System.AppDomain`'s icalls (`icall-def.h` `APPDOM_*`), as far as threads need them:
//! `InternalGetContext` and `InternalGetDefaultContext`, which `Thread.CurrentContext` and
//! `Context.DefaultContext` call (mscorlib's `WaitHandle.WaitAny`/`WaitAll` ask the current
//! context whether it is the default one); `getCurDomain`, `getRootDomain` and
//! `InternalIsFinalizingForUnload` (the thread pool's per-thread finalizer asks them);
//! `GetData`, which System.dll's `Regex` asks for `REGEX_DEFAULT_MATCH_TIMEOUT`;
//! `LoadAssembly` (`Assembly.Load(string)`, in [`super::assembly`]); `getSetup`
//! (`AppDomain.SetupInformation`, `BaseDirectory`: NUnit's configuration, de4dot's plugin
//! directory), `getFriendlyName` and `GetAssemblies` (the assemblies loaded so far: NUnit finds
//! its framework among them).
//!
//! ## Model
//! One application domain, the root one: one `System.AppDomain` object, made on first request
//! without running a constructor (Mono makes it in `create_domain_objects`), rooted for the
//! life of the process, never unloading. One remoting context: the default
//! `System.Runtime.Remoting.Contexts.Context` (context id 0, domain id 0), made on first request
//! without running its constructor, as Mono's `mono_context_init` makes it at startup
//! (`create_domain_objects`), and rooted for the life of the process. Every thread's current
//! context is that one (no `InternalSetContext` yet). One `System.AppDomainSetup`, made on
//! first request and rooted, with what Mono's `prepare_thread_to_exec_main` sets before `Main`
//! runs: `application_base` the program's directory with a trailing `/` (Mono's
//! `assembly->basedir`), `configuration_file` the program's path plus `.config`; every other
//! field null. The friendly name is the program's file name, as `mono_init` names the root
//! domain after the executable.
//!
//! Depends on: [`crate::state::objects`] (core-library instances),
//! [`crate::state::assemblies`] (the program's path), [`crate::gc_roots`].
//! Citations: Mono 6.8 `mono/metadata/object.c` (`prepare_thread_to_exec_main`),
//! `mono/metadata/appdomain.c` (`ves_icall_System_AppDomain_GetData`).

use std::sync::OnceLock;

/// The default context object.
fn default_context() -> u64 {
    static CONTEXT: OnceLock<u64> = OnceLock::new();
    *CONTEXT.get_or_init(|| {
        let context = crate::state::objects::new_core_instance("Runtime.Remoting.Contexts.Context")
            .unwrap_or_else(|e| crate::state::fatal(&format!("the default context: {e}")));
        // Its `domain_id` and `context_id` stay 0: the root domain's default context.
        crate::gc_roots::root_forever(context);
        context
    })
}

/// The domain object.
fn domain() -> u64 {
    static DOMAIN: OnceLock<u64> = OnceLock::new();
    *DOMAIN.get_or_init(|| {
        let domain = crate::state::objects::new_core_instance("AppDomain")
            .unwrap_or_else(|e| crate::state::fatal(&format!("the application domain: {e}")));
        crate::gc_roots::root_forever(domain);
        domain
    })
}

/// `AppDomain getCurDomain ()` and `getRootDomain ()`: the one domain.
extern "C" fn get_domain() -> u64 {
    domain()
}

/// `bool InternalIsFinalizingForUnload (int domain_id)`: domains never unload.
extern "C" fn is_finalizing_for_unload(_domain_id: i32) -> i32 {
    0
}

/// `Context InternalGetContext ()`: the calling thread's current context.
extern "C" fn internal_get_context() -> u64 {
    default_context()
}

/// `Context InternalGetDefaultContext ()`.
extern "C" fn internal_get_default_context() -> u64 {
    default_context()
}

/// The setup object's fields this runtime sets, by `GetData` name.
const SETUP_DATA: [(&str, &str); 2] = [
    ("APPBASE", "application_base"),
    ("APP_CONFIG_FILE", "configuration_file"),
];

/// The domain's setup.
fn setup() -> u64 {
    static SETUP: OnceLock<u64> = OnceLock::new();
    *SETUP.get_or_init(|| {
        let setup = crate::state::objects::new_core_instance("AppDomainSetup")
            .unwrap_or_else(|e| crate::state::fatal(&format!("the domain's setup: {e}")));
        // Rooted before its strings are allocated.
        crate::gc_roots::root_forever(setup);
        let program = crate::state::assemblies::entry_assembly_path();
        let mut base = program
            .parent()
            .map(|dir| dir.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !base.ends_with('/') {
            base.push('/');
        }
        let config = format!("{}.config", program.to_string_lossy());
        for (field, text) in [("application_base", base), ("configuration_file", config)] {
            set_string_field(setup, field, &text);
        }
        setup
    })
}

/// Stores a new managed string of `text` in the setup's string field `field`.
fn set_string_field(setup: u64, field: &str, text: &str) {
    let offset = crate::state::objects::core_field_offset("AppDomainSetup", field)
        .unwrap_or_else(|e| crate::state::fatal(&format!("AppDomainSetup.{field}: {e}")));
    let string = crate::alloc::string_from_str(text) as u64;
    // SAFETY: `setup` is the live, rooted setup object, with a reference field at `offset`.
    unsafe { ((setup + u64::from(offset)) as *mut u64).write(string) };
}

/// Reads the setup's reference field `field`.
fn setup_field(field: &str) -> u64 {
    let setup = setup();
    let offset = crate::state::objects::core_field_offset("AppDomainSetup", field)
        .unwrap_or_else(|e| crate::state::fatal(&format!("AppDomainSetup.{field}: {e}")));
    // SAFETY: as in `set_string_field`.
    unsafe { ((setup + u64::from(offset)) as *const u64).read() }
}

/// `AppDomainSetup getSetup ()`: the domain's setup (`SetupInformation` copies it).
extern "C" fn get_setup(_this: u64) -> u64 {
    setup()
}

/// `string getFriendlyName ()`: the program's file name.
extern "C" fn get_friendly_name(_this: u64) -> u64 {
    let program = crate::state::assemblies::entry_assembly_path();
    let name = program
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    crate::alloc::string_from_str(&name) as u64
}

/// `object GetData (string name)`: the domain's data slot `name`. Mono answers the
/// setup-derived names from the setup (`APPBASE`, `APP_CONFIG_FILE`; the others it knows are
/// null in a domain made at startup); no other slot is ever set here (`SetData` is not
/// implemented), so every other name reads null, as in a fresh Mono domain for the names the
/// class libraries ask (`REGEX_DEFAULT_MATCH_TIMEOUT`, ...).
extern "C" fn get_data(_this: u64, name: u64) -> u64 {
    let Some(name) = crate::alloc::string_to_rust(name as *const ngen_abi::object::StringObject)
    else {
        crate::eh::raise::raise("ArgumentNullException", "Value cannot be null.");
        return 0;
    };
    SETUP_DATA
        .iter()
        .find(|(data_name, _)| *data_name == name)
        .map_or(0, |(_, field)| setup_field(field))
}

/// `GetAssemblies(bool refOnly)` (instance): the assemblies loaded so far.
extern "C" fn get_assemblies(_this: u64, ref_only: i32) -> u64 {
    crate::state::assemblies::loaded_assemblies(ref_only != 0)
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![
        ("GetAssemblies", get_assemblies as *const ()),
        ("GetData", get_data as *const ()),
        ("LoadAssembly", super::assembly::load_assembly as *const ()),
        ("InternalGetContext", internal_get_context as *const ()),
        (
            "InternalGetDefaultContext",
            internal_get_default_context as *const (),
        ),
        (
            "InternalIsFinalizingForUnload",
            is_finalizing_for_unload as *const (),
        ),
        ("getCurDomain", get_domain as *const ()),
        ("getFriendlyName", get_friendly_name as *const ()),
        ("getRootDomain", get_domain as *const ()),
        ("getSetup", get_setup as *const ()),
    ]
}
