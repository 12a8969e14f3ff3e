//! Icalls: the `InternalCall` methods of the class libraries, which Mono implements in C and
//! this runtime in Rust. The table is keyed by Mono's managed name (`Namespace.Type::Method`,
//! nested types with `/`, as `mono_lookup_internal_call_full` looks them up) and grouped by
//! managed type, one module per type, after Mono's `mono/metadata/icall-def.h`. An overloaded
//! icall is listed under Mono's signature key, `Method(int&,int,int)` ([`signature`]), which a
//! lookup tries before the plain name.
//!
//! Each entry point is an `extern "C"` function (listed as a plain code address) with the
//! managed calling convention of `ngen_abi::calling_convention` (`this` first; `bool` as
//! `i32`; references as `u64`). A method with no entry here fails when first called, naming
//! it (the runtime's `MissingMethodException`).
//!
//! Depends on: the runtime's state (types of objects), [`crate::alloc`].

mod app_domain;
mod array;
mod array_widening;
mod assembly;
mod async_result;
pub(crate) mod buffer;
mod configuration;
mod console_driver;
mod culture_data;
mod culture_fields;
mod culture_info;
mod current_method;
mod custom_attrs;
mod date_time;
mod delegate;
mod encoding_helper;
mod enum_type;
pub(crate) mod environment;
mod gc;
mod gc_handle;
mod generic_params;
mod interlocked;
mod interop_sys;
mod manifest_resources;
mod marshal;
mod math;
mod mathf;
mod method_handles;
pub(crate) mod monitor;
mod mono_io;
mod mono_runtime;
mod native_event_calls;
mod native_methods;
mod object;
mod path;
mod process;
mod remoting_services;
mod runtime_field_info;
mod runtime_helpers;
mod runtime_imports;
mod runtime_method_info;
mod runtime_module;
mod runtime_property_info;
mod runtime_type;
mod runtime_type_handle;
mod safe_string_marshal;
mod security_manager;
pub(crate) mod signature;
mod stack_frame;
mod stack_trace;
mod string;
mod thread;
mod thread_pool;
mod timer;
mod value_type;
mod volatile;

/// One managed type's icalls: its name and each method's name and entry point.
struct IcallType {
    type_name: &'static str,
    methods: fn() -> Vec<(&'static str, *const ())>,
}

/// Every implemented icall type, sorted by name (as `icall-def.h` is).
const TYPES: &[IcallType] = &[
    IcallType {
        type_name: "Interop/Sys",
        methods: interop_sys::methods,
    },
    IcallType {
        type_name: "Microsoft.Win32.NativeMethods",
        methods: native_methods::methods,
    },
    IcallType {
        type_name: "Mono.Runtime",
        methods: mono_runtime::methods,
    },
    IcallType {
        type_name: "Mono.RuntimeClassHandle",
        methods: generic_params::class_handle_methods,
    },
    IcallType {
        type_name: "Mono.RuntimeGPtrArrayHandle",
        methods: method_handles::gptr_array_methods,
    },
    IcallType {
        type_name: "Mono.RuntimeMarshal",
        methods: assembly::runtime_marshal_methods,
    },
    IcallType {
        type_name: "Mono.SafeStringMarshal",
        methods: safe_string_marshal::methods,
    },
    IcallType {
        type_name: "System.AppDomain",
        methods: app_domain::methods,
    },
    IcallType {
        type_name: "System.Array",
        methods: array::methods,
    },
    IcallType {
        type_name: "System.Buffer",
        methods: buffer::methods,
    },
    IcallType {
        type_name: "System.Configuration.DefaultConfig",
        methods: configuration::default_config_methods,
    },
    IcallType {
        type_name: "System.Configuration.InternalConfigurationHost",
        methods: configuration::internal_configuration_host_methods,
    },
    IcallType {
        type_name: "System.ConsoleDriver",
        methods: console_driver::methods,
    },
    IcallType {
        type_name: "System.DateTime",
        methods: date_time::methods,
    },
    IcallType {
        type_name: "System.Delegate",
        methods: delegate::methods,
    },
    IcallType {
        type_name: "System.Diagnostics.Process",
        methods: process::methods,
    },
    IcallType {
        type_name: "System.Diagnostics.StackFrame",
        methods: stack_frame::methods,
    },
    IcallType {
        type_name: "System.Diagnostics.StackTrace",
        methods: stack_trace::methods,
    },
    IcallType {
        type_name: "System.Diagnostics.Stopwatch",
        methods: date_time::stopwatch_methods,
    },
    IcallType {
        type_name: "System.Enum",
        methods: enum_type::methods,
    },
    IcallType {
        type_name: "System.Environment",
        methods: environment::methods,
    },
    IcallType {
        type_name: "System.GC",
        methods: gc::methods,
    },
    IcallType {
        type_name: "System.Globalization.CalendarData",
        methods: culture_data::calendar_data_methods,
    },
    IcallType {
        type_name: "System.Globalization.CultureData",
        methods: culture_data::culture_data_methods,
    },
    IcallType {
        type_name: "System.Globalization.CultureInfo",
        methods: culture_info::methods,
    },
    IcallType {
        type_name: "System.Globalization.RegionInfo",
        methods: culture_data::region_info_methods,
    },
    IcallType {
        type_name: "System.IO.MonoIO",
        methods: mono_io::methods,
    },
    IcallType {
        type_name: "System.IO.Path",
        methods: path::methods,
    },
    IcallType {
        type_name: "System.Math",
        methods: math::methods,
    },
    IcallType {
        type_name: "System.MathF",
        methods: mathf::methods,
    },
    IcallType {
        type_name: "System.MonoCustomAttrs",
        methods: custom_attrs::methods,
    },
    IcallType {
        type_name: "System.Object",
        methods: object::methods,
    },
    IcallType {
        type_name: "System.Reflection.Assembly",
        methods: assembly::assembly_methods,
    },
    IcallType {
        type_name: "System.Reflection.AssemblyName",
        methods: assembly::assembly_name_methods,
    },
    IcallType {
        type_name: "System.Reflection.FieldInfo",
        methods: runtime_field_info::field_info_methods,
    },
    IcallType {
        type_name: "System.Reflection.MethodBase",
        methods: current_method::methods,
    },
    IcallType {
        type_name: "System.Reflection.MonoMethodInfo",
        methods: method_handles::method_info_methods,
    },
    IcallType {
        type_name: "System.Reflection.RuntimeAssembly",
        methods: assembly::runtime_assembly_methods,
    },
    IcallType {
        type_name: "System.Reflection.RuntimeConstructorInfo",
        methods: method_handles::constructor_info_methods,
    },
    IcallType {
        type_name: "System.Reflection.RuntimeFieldInfo",
        methods: runtime_field_info::methods,
    },
    IcallType {
        type_name: "System.Reflection.RuntimeMethodInfo",
        methods: runtime_method_info::methods,
    },
    IcallType {
        type_name: "System.Reflection.RuntimeModule",
        methods: runtime_module::methods,
    },
    IcallType {
        type_name: "System.Reflection.RuntimePropertyInfo",
        methods: runtime_property_info::methods,
    },
    IcallType {
        type_name: "System.Runtime.CompilerServices.RuntimeHelpers",
        methods: runtime_helpers::methods,
    },
    IcallType {
        type_name: "System.Runtime.InteropServices.GCHandle",
        methods: gc_handle::methods,
    },
    IcallType {
        type_name: "System.Runtime.InteropServices.Marshal",
        methods: marshal::methods,
    },
    IcallType {
        type_name: "System.Runtime.Remoting.Messaging.AsyncResult",
        methods: async_result::methods,
    },
    IcallType {
        type_name: "System.Runtime.Remoting.RemotingServices",
        methods: remoting_services::methods,
    },
    IcallType {
        type_name: "System.Runtime.RuntimeImports",
        methods: runtime_imports::methods,
    },
    IcallType {
        type_name: "System.RuntimeType",
        methods: runtime_type::methods,
    },
    IcallType {
        type_name: "System.RuntimeTypeHandle",
        methods: runtime_type_handle::methods,
    },
    IcallType {
        type_name: "System.Security.SecurityManager",
        methods: security_manager::methods,
    },
    IcallType {
        type_name: "System.String",
        methods: string::methods,
    },
    IcallType {
        type_name: "System.Text.EncodingHelper",
        methods: encoding_helper::methods,
    },
    IcallType {
        type_name: "System.Threading.Interlocked",
        methods: interlocked::methods,
    },
    IcallType {
        type_name: "System.Threading.Monitor",
        methods: monitor::methods,
    },
    IcallType {
        type_name: "System.Threading.NativeEventCalls",
        methods: native_event_calls::methods,
    },
    IcallType {
        type_name: "System.Threading.Thread",
        methods: thread::methods,
    },
    IcallType {
        type_name: "System.Threading.ThreadPool",
        methods: thread_pool::methods,
    },
    IcallType {
        type_name: "System.Threading.Timer",
        methods: timer::methods,
    },
    IcallType {
        type_name: "System.Threading.Volatile",
        methods: volatile::methods,
    },
    IcallType {
        type_name: "System.Threading.WaitHandle",
        methods: native_event_calls::wait_handle_methods,
    },
    IcallType {
        type_name: "System.Type",
        methods: generic_params::type_methods,
    },
    IcallType {
        type_name: "System.ValueType",
        methods: value_type::methods,
    },
];

/// The entry point of the icall named `name` (`Namespace.Type::Method`), if implemented.
pub(crate) fn lookup(name: &str) -> Option<u64> {
    let (type_name, method) = name.split_once("::")?;
    let group = TYPES.iter().find(|t| t.type_name == type_name)?;
    (group.methods)()
        .into_iter()
        .find(|(m, _)| *m == method)
        .map(|(_, code)| code as u64)
}

/// The runtime's own code for the managed core-library method `name` (`Namespace.Type::Method`)
/// that it provides instead of the method's IL, if it is one (see [`runtime_type_handle`]).
pub(crate) fn managed_replacement(name: &str) -> Option<u64> {
    runtime_type_handle::managed_replacements()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, code)| code as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_finds_by_mono_names() {
        let names: Vec<&str> = TYPES.iter().map(|t| t.type_name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert!(lookup("System.Object::InternalGetHashCode").is_some());
        assert!(lookup("System.Object::NoSuchMethod").is_none());
        assert!(lookup("System.NoSuchType::GetType").is_none());
        assert!(lookup("not a name").is_none());
    }
}
