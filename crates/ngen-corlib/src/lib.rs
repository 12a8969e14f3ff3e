//! The BCL surface the runtime provides until mscorlib itself is compiled: Console, String, number formatting and parsing, Math
