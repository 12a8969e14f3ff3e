//! Releasing the pages of a mapped image that only the dynamic loader reads.
//!
//! An image's first segment holds its ELF header, dynamic symbols and `.rela.dyn`, the
//! relative relocations of its method table: mscorlib's 28,000 take 680 KB, which `dlopen`
//! reads once to patch the table and nothing reads again. They stay resident in every process
//! that mapped the image until it exits (docs/BENCHMARKS.md section 22), so once the image is
//! mapped and its symbols looked up, [`release`] drops that segment's pages from this
//! process. They are clean pages of a read-only private file mapping: a later read (a `dlsym`,
//! the collector listing the loaded objects' program headers) faults them in again from the
//! page cache, unchanged.
//!
//! Depends on libc (`dladdr`, `madvise`) and the ELF layout the image linker writes
//! (`ngen-image`'s `link.rs`): a first, read-only `PT_LOAD` at file offset 0.

/// Drops the pages of the read-only first segment of the mapped object holding `symbol`
/// (an address inside it). Anything unexpected leaves the pages as they are.
pub(super) fn release(symbol: *const u8) {
    // SAFETY: dladdr only reads the loader's tables; a zeroed Dl_info is valid input.
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    if unsafe { libc::dladdr(symbol.cast(), &mut info) } == 0 || info.dli_fbase.is_null() {
        return;
    }
    let base = info.dli_fbase as usize;
    // SAFETY: the loader maps an object's ELF header and program headers (its first segment
    // starts at file offset 0, and the headers follow the ELF header) at its base, and keeps
    // them mapped while the object is loaded.
    let (header, phdrs) = unsafe {
        let header = &*(base as *const libc::Elf64_Ehdr);
        let phdrs = std::slice::from_raw_parts(
            (base + header.e_phoff as usize) as *const libc::Elf64_Phdr,
            header.e_phnum as usize,
        );
        (header, phdrs)
    };
    if header.e_phentsize as usize != std::mem::size_of::<libc::Elf64_Phdr>() {
        return;
    }
    let first = phdrs.iter().find(|p| p.p_type == libc::PT_LOAD);
    let Some(first) = first.filter(|p| p.p_offset == 0 && p.p_flags == libc::PF_R) else {
        return;
    };
    let page = page_size();
    let start = base + first.p_vaddr as usize;
    // Whole pages only: the next segment may begin in the segment's last page.
    let end = (start + first.p_memsz as usize) & !(page - 1);
    if !start.is_multiple_of(page) || end <= start {
        return;
    }
    // SAFETY: the range is the object's own read-only, never written segment: MADV_DONTNEED
    // on a private file mapping only unmaps its pages, which a later access reads back from
    // the file. A failure leaves them resident.
    unsafe {
        libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED);
    }
}

fn page_size() -> usize {
    // SAFETY: sysconf only reads a constant.
    match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
        size if size > 0 => size as usize,
        _ => 4096,
    }
}
