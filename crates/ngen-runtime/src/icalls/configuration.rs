//! The configuration system's icalls (`icall-def.h` `DEFAULTC_*`, `INTCFGHOST_*`): where
//! `machine.config` is and the configuration `mkbundle` embeds in a bundled program, which
//! System.dll's `DefaultConfig` and System.Configuration's `InternalConfigurationHost` ask
//! before they read the files (`ConfigurationManager.AppSettings`, NUnit's settings).
//!
//! ## Model
//! No program is bundled, so both bundled configurations are null, as mono answers for an
//! ordinary `.exe` (`get_bundled_app_config` looks the application's configuration file up
//! among the bundled ones and finds none). The machine configuration path is
//! `System.Environment`'s answer.
//!
//! Depends on: [`super::environment`].

/// `string get_bundled_app_config()`: null (nothing bundled).
extern "C" fn get_bundled_app_config() -> u64 {
    0
}

/// `System.Configuration.DefaultConfig`'s icalls.
pub(super) fn default_config_methods() -> Vec<(&'static str, *const ())> {
    vec![
        (
            "get_bundled_machine_config",
            super::environment::get_bundled_machine_config as *const (),
        ),
        (
            "get_machine_config_path",
            super::environment::get_machine_config_path as *const (),
        ),
    ]
}

/// `System.Configuration.InternalConfigurationHost`'s icalls.
pub(super) fn internal_configuration_host_methods() -> Vec<(&'static str, *const ())> {
    vec![
        (
            "get_bundled_app_config",
            get_bundled_app_config as *const (),
        ),
        (
            "get_bundled_machine_config",
            super::environment::get_bundled_machine_config as *const (),
        ),
    ]
}
