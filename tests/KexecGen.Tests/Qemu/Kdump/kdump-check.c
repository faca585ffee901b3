/* kdump-check MARKER DIR: in the crash kernel, checks /proc/vmcore against what kdump-fill left in DIR: a valid ELF64
   core header; PT_LOADs covering the first kernel's System RAM outside the crash kernel's range (and outside the low
   1 MiB, which the crash kernel itself may use on x86); every listed frame, read through the PT_LOAD offsets, holding
   the exact pattern. Prints one verdict line, "KEXECGEN-VMCORE ok …" or "KEXECGEN-VMCORE bad: …". */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pattern.h"

#define MAX_PHDRS 4096
static Elf64_Phdr phdrs[MAX_PHDRS];

static int bad(const char *what, unsigned long long a, unsigned long long b)
{
    printf("KEXECGEN-VMCORE bad: %s (0x%llx, 0x%llx)\n", what, a, b);
    return 1;
}

/* Whether [start, end) is covered by the union of the PT_LOADs. */
static int covered(int count, unsigned long long start, unsigned long long end)
{
    while (start < end) {
        int advanced = 0;
        for (int i = 0; i < count; i++) {
            unsigned long long s = phdrs[i].p_paddr, e = phdrs[i].p_paddr + phdrs[i].p_memsz;
            if (phdrs[i].p_type == PT_LOAD && s <= start && start < e) { start = e; advanced = 1; }
        }
        if (!advanced) return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: kdump-check MARKER DIR\n"); return 2; }
    int core = open("/proc/vmcore", O_RDONLY);
    if (core < 0) return bad("no /proc/vmcore", 0, 0);
    Elf64_Ehdr eh;
    if (pread(core, &eh, sizeof eh, 0) != sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_type != ET_CORE)
        return bad("not an ELF64 core file", eh.e_type, eh.e_ident[EI_CLASS]);
    if (eh.e_phnum == 0 || eh.e_phnum > MAX_PHDRS || eh.e_phentsize != sizeof(Elf64_Phdr)) return bad("program headers", eh.e_phnum, eh.e_phentsize);
    if (pread(core, phdrs, eh.e_phnum * sizeof(Elf64_Phdr), (off_t)eh.e_phoff) != (ssize_t)(eh.e_phnum * sizeof(Elf64_Phdr))) return bad("reading program headers", eh.e_phoff, 0);
    int loads = 0, notes = 0;
    for (int i = 0; i < eh.e_phnum; i++) {
        loads += phdrs[i].p_type == PT_LOAD;
        notes += phdrs[i].p_type == PT_NOTE;
        /* What the crash kernel was told, for comparison between loaders. */
        if (phdrs[i].p_type == PT_LOAD)
            printf("KEXECGEN-VMCORE-LOAD paddr=0x%llx vaddr=0x%llx memsz=0x%llx\n", (unsigned long long)phdrs[i].p_paddr, (unsigned long long)phdrs[i].p_vaddr, (unsigned long long)phdrs[i].p_memsz);
        if (phdrs[i].p_type == PT_NOTE)
            printf("KEXECGEN-VMCORE-NOTE filesz=0x%llx\n", (unsigned long long)phdrs[i].p_filesz);
    }

    char path[512];
    snprintf(path, sizeof path, "%s/ram", argv[2]);
    FILE *ram = fopen(path, "r");
    if (!ram) return bad("no ram file", 0, 0);
    unsigned long long crash_start = 0, crash_end = 0, ram_start[64], ram_end[64];
    int rams = 0;
    char kind[16];
    unsigned long long s, e;
    while (fscanf(ram, "%15s %llx %llx", kind, &s, &e) == 3) {
        if (strcmp(kind, "crash") == 0) { crash_start = s; crash_end = e; }
        else if (rams < 64) { ram_start[rams] = s; ram_end[rams] = e; rams++; }
    }
    if (rams == 0 || crash_end == 0) return bad("the ram file names no RAM or no crash range", rams, crash_end);
    const unsigned long long low = 1 << 20;
    for (int r = 0; r < rams; r++) {
        unsigned long long a = ram_start[r] < low ? low : ram_start[r], b = ram_end[r];
        if (a >= b) continue;
        if (crash_start > a && !covered(eh.e_phnum, a, crash_start < b ? crash_start : b)) return bad("RAM not covered by a PT_LOAD", a, crash_start < b ? crash_start : b);
        if (crash_end < b && !covered(eh.e_phnum, crash_end > a ? crash_end : a, b)) return bad("RAM not covered by a PT_LOAD", crash_end > a ? crash_end : a, b);
    }

    snprintf(path, sizeof path, "%s/frames", argv[2]);
    FILE *frames = fopen(path, "r");
    if (!frames) return bad("no frames file", 0, 0);
    uint64_t seed = marker_seed(argv[1]), page[KDUMP_PAGE_SIZE / 8];
    unsigned long long pfn;
    int checked = 0;
    for (uint64_t p = 0; fscanf(frames, "%llx", &pfn) == 1; p++) {
        unsigned long long paddr = pfn * KDUMP_PAGE_SIZE;
        int found = -1;
        for (int i = 0; i < eh.e_phnum; i++)
            if (phdrs[i].p_type == PT_LOAD && phdrs[i].p_paddr <= paddr && paddr + KDUMP_PAGE_SIZE <= phdrs[i].p_paddr + phdrs[i].p_filesz) found = i;
        if (found < 0) return bad("a frame no PT_LOAD holds", p, paddr);
        off_t offset = (off_t)(phdrs[found].p_offset + (paddr - phdrs[found].p_paddr));
        if (pread(core, page, sizeof page, offset) != sizeof page) return bad("reading a frame", p, (unsigned long long)offset);
        for (uint64_t w = 0; w < KDUMP_PAGE_SIZE / 8; w++)
            if (page[w] != pattern_word(seed, p, w)) return bad("a frame's bytes differ from the pattern", p, paddr + w * 8);
        checked++;
    }
    if (checked != KDUMP_PAGES) return bad("frames listed", checked, KDUMP_PAGES);
    printf("KEXECGEN-VMCORE ok: %d pages of the pattern intact, %d PT_LOADs cover RAM outside 0x%llx-0x%llx, %d PT_NOTEs\n", checked, loads, crash_start, crash_end, notes);
    return 0;
}
