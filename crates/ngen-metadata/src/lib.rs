//! ECMA-335 metadata reader: PE layer (pelite), heaps, tables, signatures, method bodies, IL, custom attributes, identity
