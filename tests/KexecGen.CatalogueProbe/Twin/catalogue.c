/* The C twin of the catalogue probe (Program.cs): the same calls with the kernel's own uapi structs, printed in the
   same "key value" lines, compiled by the ABI's gcc against the headers the catalogue was scanned from. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/stat.h>
#include <linux/utsname.h>
#include <linux/sysinfo.h>
#include <linux/resource.h>
#include <linux/time_types.h>
#include <linux/eventpoll.h>
#include <linux/io_uring.h>
#include <linux/sched.h>
#include <linux/openat2.h>
#include <linux/sched/types.h>
#include <linux/mount.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <linux/uio.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <linux/inotify.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/userfaultfd.h>
#include <asm/termios.h>
#include <asm/ioctls.h>
#include <linux/fcntl.h>

#define SIZE(s) printf("sizeof " #s " %zu\n", sizeof(struct s))

static void check(long result, const char *call)
{
    if (result < 0) { perror(call); _exit(1); }
}

int main(int argc, char **argv)
{
    if (argc != 2) return 2;
    SIZE(statx); SIZE(new_utsname); SIZE(sysinfo); SIZE(rlimit64); SIZE(__kernel_timespec); SIZE(epoll_event);
    SIZE(io_uring_params); SIZE(clone_args); SIZE(open_how); SIZE(sched_attr); SIZE(mount_attr); SIZE(landlock_ruleset_attr);
    SIZE(seccomp_data); SIZE(iovec); printf("sizeof bpf_attr %zu\n", sizeof(union bpf_attr)); SIZE(perf_event_attr);
    SIZE(inotify_event); SIZE(fiemap);
    printf("offsetof epoll_event.data %zu\n", __builtin_offsetof(struct epoll_event, data));

    struct new_utsname uts;
    check(syscall(__NR_uname, &uts), "uname");
    printf("uname.sysname %s\nuname.release %s\nuname.machine %s\n", uts.sysname, uts.release, uts.machine);

    struct sysinfo info;
    check(syscall(__NR_sysinfo, &info), "sysinfo");
    printf("sysinfo.totalram %llu\nsysinfo.totalswap %llu\nsysinfo.mem_unit %u\n",
           (unsigned long long)info.totalram, (unsigned long long)info.totalswap, info.mem_unit);

    struct rlimit64 limit;
    check(syscall(__NR_prlimit64, 0, 7 /* RLIMIT_NOFILE */, NULL, &limit), "prlimit64");
    printf("rlimit.cur %llu\nrlimit.max %llu\n", (unsigned long long)limit.rlim_cur, (unsigned long long)limit.rlim_max);

    struct statx stx;
    check(syscall(__NR_statx, AT_FDCWD, argv[1], 0, STATX_BASIC_STATS | STATX_BTIME, &stx), "statx");
    printf("statx.size %llu\nstatx.ino %llu\nstatx.mode %u\nstatx.nlink %u\nstatx.uid %u\nstatx.blksize %u\nstatx.mtime %lld.%09u\n",
           (unsigned long long)stx.stx_size, (unsigned long long)stx.stx_ino, stx.stx_mode, stx.stx_nlink, stx.stx_uid,
           stx.stx_blksize, (long long)stx.stx_mtime.tv_sec, stx.stx_mtime.tv_nsec);

    struct __kernel_timespec now;
#ifdef __NR_clock_gettime64
    check(syscall(__NR_clock_gettime64, 0, &now), "clock_gettime64");
#else
    check(syscall(__NR_clock_gettime, 0, &now), "clock_gettime");
#endif
    printf("clock.realtime_ok %d\n", now.tv_sec > 1600000000 && now.tv_nsec >= 0 && now.tv_nsec < 1000000000);

    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.disabled = 1;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    attr.precise_ip = 2;
    attr.sample_id_all = 1;
    printf("perf_event_attr.flags ");
    for (int i = 40; i < 48; i++) printf("%02X", ((unsigned char *)&attr)[i]);
    printf("\nperf_event_attr.precise_ip %u\n", (unsigned)attr.precise_ip);

    printf("inotify_event.name_at %zu\n", __builtin_offsetof(struct inotify_event, name));
    printf("ioctl.BLKGETSIZE64 0x%lx\nioctl.TIOCGWINSZ 0x%lx\nioctl.FS_IOC_GETFLAGS 0x%lx\nioctl.UFFDIO_API 0x%lx\n",
           (unsigned long)BLKGETSIZE64, (unsigned long)TIOCGWINSZ, (unsigned long)FS_IOC_GETFLAGS, (unsigned long)UFFDIO_API);
    return 0;
}
