//! Assembly binder: display names, ExeConfig, probing, GAC and dependency closure as the CLR loader does it
