#!/usr/bin/env bash
# Our `kexec -c -l` against Debian's kexec-tools `kexec -c -l`, in one x86_64 QEMU guest (TCG), on the same Debian
# kernel and initrd: the wall time of each load, then (in a separate pass, since sampling slows the guest) each tool's
# peak anonymous memory (RssAnon) and peak resident memory (VmHWM), sampled from /proc/PID/status while it runs.
# Prints one "MEASURE tool …" line a run. A benchmark, not a test: nothing here passes or fails on a figure.
#
# usage (as root): tests/KexecGen.Benchmarks/Guest/kexec-tools-comparison.sh [INITRD_MIB=128] [RUNS=5]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd)
mib=${1:-128}
runs=${2:-5}
for p in cpio qemu-system-x86 busybox-static; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="${missing:-} $p"
done
[ -z "${missing:-}" ] || { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"   # apt downloads as the _apt user
cd "$work"
kernel=$(apt-cache depends linux-image-amd64 | grep -o 'linux-image-[0-9][^ ]*-amd64' | head -1)
# kexec-tools links libxenctrl: its libraries come along (Debian 12 names).
apt-get -o APT::Sandbox::User=root download -qq "$kernel" kexec-tools libxenmisc4.17 libxencall1 libxendevicemodel1 \
  libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenhypfs1 libxenstore4 libxentoollog1 libxentoolcore1 libyajl2
for deb in *.deb; do dpkg-deb -x "$deb" pkg; done
dotnet publish "$repo/src/KexecGen.Cli" -c Release -r linux-x64 -o tool -v q -nologo >/dev/null

mkdir -p root/bin root/sbin root/lib64 root/lib/x86_64-linux-gnu root/proc root/sys root/dev root/tmp
mknod root/dev/console c 5 1
cp /bin/busybox root/bin/
cp tool/kexec root/bin/kexec
cp pkg/sbin/kexec root/sbin/kexec-tools
cp pkg/boot/vmlinuz-* root/vmlinuz
needed=$(LD_LIBRARY_PATH="$work/pkg/usr/lib/x86_64-linux-gnu" ldd pkg/sbin/kexec tool/kexec)
if echo "$needed" | grep -q "not found"; then echo "libraries missing: $(echo "$needed" | grep "not found")" >&2; exit 1; fi
cp $(echo "$needed" | awk '/=>/ { print $3 }' | sort -u) root/lib/x86_64-linux-gnu/
cp /lib64/ld-linux-x86-64.so.2 root/lib64/
cat > root/init <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
dd if=/dev/urandom of=/initrd.img bs=1M count=$mib 2>/dev/null
# Commands as words (no shell function), so that \$! below is the tool's own pid.
ours="/bin/kexec -c -l /vmlinuz --initrd /initrd.img --append console=ttyS0"
theirs="/sbin/kexec-tools -c -l /vmlinuz --initrd=/initrd.img --append=console=ttyS0"
timed() {
  t0=\$(cut -d' ' -f1 /proc/uptime); \$2 >/dev/null 2>/tmp/err; rc=\$?; t1=\$(cut -d' ' -f1 /proc/uptime)
  echo "MEASURE \$1 time exit=\$rc seconds=\$(echo "\$t0 \$t1" | awk '{printf "%.2f", \$2-\$1}') \$(head -c 200 /tmp/err)"
  /bin/kexec -u >/dev/null 2>&1
}
sampled() {
  \$2 >/dev/null 2>/tmp/err & pid=\$!; anon=0; hwm=0
  while [ -e /proc/\$pid/status ]; do
    a=\$(awk '/RssAnon/ { print \$2 }' /proc/\$pid/status 2>/dev/null); [ -n "\$a" ] && [ "\$a" -gt "\$anon" ] && anon=\$a
    h=\$(awk '/VmHWM/ { print \$2 }' /proc/\$pid/status 2>/dev/null); [ -n "\$h" ] && [ "\$h" -gt "\$hwm" ] && hwm=\$h
  done
  wait \$pid; echo "MEASURE \$1 memory exit=\$? rssanon_peak_kib=\$anon vmhwm_kib=\$hwm"
  /bin/kexec -u >/dev/null 2>&1
}
for i in \$(seq $runs); do timed ours "\$ours"; timed kexec-tools "\$theirs"; done
for i in \$(seq 3); do sampled ours "\$ours"; sampled kexec-tools "\$theirs"; done
poweroff -f
EOF
chmod 755 root/init
(cd root && find . | cpio -o -H newc --quiet) > initramfs.cpio
echo "kernel $kernel, initrd ${mib} MiB of random bytes, $runs timed runs each, 3 sampled runs each"
qemu-system-x86_64 -accel tcg -m 2048 -smp 1 -nographic -no-reboot -nodefaults -serial stdio \
  -kernel root/vmlinuz -initrd initramfs.cpio -append "console=ttyS0 panic=-1 loglevel=3" </dev/null | grep --line-buffered -o 'MEASURE.*'
