/* The C baselines: the same libc syscall() the generated stubs call, n times in a loop. */
#include <unistd.h>
#include <sys/syscall.h>

/* kexec_file_load(-1, -1, 0, NULL, KEXEC_FILE_NO_INITRAMFS): fails fast (ENOSYS without kexec, else EBADF). */
long kexecgen_syscall_loop(long number, long flags, long n)
{
    long last = 0;
    for (long i = 0; i < n; i++)
        last = syscall(number, -1L, -1L, 0L, 0L, flags);
    return last;
}

/* A syscall without arguments that succeeds, such as getppid. */
long kexecgen_syscall0_loop(long number, long n)
{
    long last = 0;
    for (long i = 0; i < n; i++)
        last = syscall(number);
    return last;
}
