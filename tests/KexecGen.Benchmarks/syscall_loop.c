/* The C baseline: the same libc syscall() the generated stubs call, n times in a loop. */
#include <unistd.h>
#include <sys/syscall.h>

long kexecgen_syscall_loop(long number, long n)
{
    long last = 0;
    for (long i = 0; i < n; i++)
        last = syscall(number, -1L, -1L, 0L, 0L, 4L);
    return last;
}
