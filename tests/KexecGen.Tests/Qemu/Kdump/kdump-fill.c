/* kdump-fill MARKER DIR COMMAND: fills a locked 1 MiB buffer with the marker's pattern, writes DIR/frames (the
   buffer's physical page frames, from /proc/self/pagemap) and DIR/ram (System RAM and the crash kernel's range, from
   /proc/iomem), runs COMMAND with busybox sh (it loads the crash kernel), and, if COMMAND succeeded, panics the kernel
   through /proc/sysrq-trigger while the buffer is still held. Root only. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "pattern.h"

int main(int argc, char **argv)
{
    if (argc != 4) { fprintf(stderr, "usage: kdump-fill MARKER DIR COMMAND\n"); return 2; }
    uint64_t seed = marker_seed(argv[1]);
    uint64_t *buffer = mmap(NULL, KDUMP_PAGES * KDUMP_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (buffer == MAP_FAILED || mlock(buffer, KDUMP_PAGES * KDUMP_PAGE_SIZE) != 0) { perror("kdump-fill: mmap/mlock"); return 1; }
    for (uint64_t p = 0; p < KDUMP_PAGES; p++)
        for (uint64_t w = 0; w < KDUMP_PAGE_SIZE / 8; w++) buffer[p * (KDUMP_PAGE_SIZE / 8) + w] = pattern_word(seed, p, w);

    char path[512];
    snprintf(path, sizeof path, "%s/frames", argv[2]);
    FILE *frames = fopen(path, "w");
    int pagemap = open("/proc/self/pagemap", O_RDONLY);
    if (!frames || pagemap < 0) { perror("kdump-fill: frames/pagemap"); return 1; }
    for (uint64_t p = 0; p < KDUMP_PAGES; p++) {
        uint64_t entry;
        uintptr_t virt = (uintptr_t)buffer + p * KDUMP_PAGE_SIZE;
        if (pread(pagemap, &entry, 8, (off_t)(virt / KDUMP_PAGE_SIZE * 8)) != 8) { perror("kdump-fill: pagemap"); return 1; }
        if (!(entry >> 63) || (entry & ((1ULL << 55) - 1)) == 0) { fprintf(stderr, "kdump-fill: page %llu not present\n", (unsigned long long)p); return 1; }
        fprintf(frames, "%llx\n", (unsigned long long)(entry & ((1ULL << 55) - 1)));
    }
    fclose(frames);

    snprintf(path, sizeof path, "%s/ram", argv[2]);
    FILE *ram = fopen(path, "w"), *iomem = fopen("/proc/iomem", "r");
    if (!ram || !iomem) { perror("kdump-fill: ram/iomem"); return 1; }
    char line[256];
    while (fgets(line, sizeof line, iomem)) {
        unsigned long long start, end;
        char name[128];
        const char *text = line + strspn(line, " ");
        if (sscanf(text, "%llx-%llx : %127[^\n]", &start, &end, name) != 3) continue;
        if (text == line && strcmp(name, "System RAM") == 0) fprintf(ram, "ram %llx %llx\n", start, end + 1);
        if (strcmp(name, "Crash kernel") == 0) fprintf(ram, "crash %llx %llx\n", start, end + 1);
    }
    fclose(iomem);
    fclose(ram);

    pid_t child = fork();
    if (child == 0) { execl("/bin/busybox", "sh", "-c", argv[3], (char *)NULL); _exit(127); }
    int status;
    if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "kdump-fill: the command failed; no panic\n");
        return 1;
    }
    printf("KEXECGEN-PANIC now\n");
    fflush(stdout);
    sync();
    int trigger = open("/proc/sysrq-trigger", O_WRONLY);
    if (trigger < 0 || write(trigger, "c", 1) != 1) { perror("kdump-fill: sysrq-trigger"); return 1; }
    return 1; /* not reached: the kernel panicked */
}
