/* The pattern the first kernel writes and the crash kernel checks: each 64-bit word of page i is a SplitMix64 step
   of the marker's FNV-1a hash, the page and the word, so that no two pages and no two runs look alike. */
#include <stdint.h>

#define KDUMP_PAGES 256          /* 1 MiB of 4 KiB pages */
#define KDUMP_PAGE_SIZE 4096

static uint64_t marker_seed(const char *marker)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *marker; marker++) h = (h ^ (unsigned char)*marker) * 0x100000001b3ULL;
    return h;
}

static uint64_t pattern_word(uint64_t seed, uint64_t page, uint64_t word)
{
    uint64_t z = seed ^ (page << 20) ^ word;
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
