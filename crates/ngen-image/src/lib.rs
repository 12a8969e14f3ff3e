//! Native image format: header encoding, linking object files into ELF shared objects, reading headers back
