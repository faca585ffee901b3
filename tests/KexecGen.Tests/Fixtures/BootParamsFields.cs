using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace KexecGen.Tests.Boot;

/// <summary>
/// Every field of a struct boot_params, named and read by a C program compiled against the x86_64 uapi
/// asm/bootparam.h: numbers up to 8 bytes as hex numbers, larger members as hex bytes, the e820 table entry by entry.
/// </summary>
internal static class BootParamsFields
{
    private const string Source = """
        #include <stdio.h>
        #include <string.h>
        #include <asm/bootparam.h>

        static void field(const char *name, const void *at, size_t n)
        {
            if (n <= 8 && (n & (n - 1)) == 0) {
                unsigned long long v = 0;
                memcpy(&v, at, n);
                printf("%s 0x%llx\n", name, v);
                return;
            }
            printf("%s ", name);
            for (size_t i = 0; i < n; i++) printf("%02x", ((const unsigned char *)at)[i]);
            printf("\n");
        }
        #define F(m) field(#m, &p.m, sizeof p.m)

        /* fields FILE: one "name value" line per field of the boot_params in FILE. */
        int main(int argc, char **argv)
        {
            static struct boot_params p;
            FILE *f = fopen(argv[1], "rb");
            if (!f || fread(&p, sizeof p, 1, f) != 1) return 1;
            F(screen_info.orig_x); F(screen_info.orig_y); F(screen_info.ext_mem_k); F(screen_info.orig_video_page);
            F(screen_info.orig_video_mode); F(screen_info.orig_video_cols); F(screen_info.flags);
            F(screen_info.unused2); F(screen_info.orig_video_ega_bx); F(screen_info.unused3);
            F(screen_info.orig_video_lines); F(screen_info.orig_video_isVGA); F(screen_info.orig_video_points);
            F(screen_info.lfb_width); F(screen_info.lfb_height); F(screen_info.lfb_depth); F(screen_info.lfb_base);
            F(screen_info.lfb_size); F(screen_info.cl_magic); F(screen_info.cl_offset); F(screen_info.lfb_linelength);
            F(screen_info.red_size); F(screen_info.red_pos); F(screen_info.green_size); F(screen_info.green_pos);
            F(screen_info.blue_size); F(screen_info.blue_pos); F(screen_info.rsvd_size); F(screen_info.rsvd_pos);
            F(screen_info.vesapm_seg); F(screen_info.vesapm_off); F(screen_info.pages); F(screen_info.vesa_attributes);
            F(screen_info.capabilities); F(screen_info.ext_lfb_base); F(screen_info._reserved);
            F(apm_bios_info); F(tboot_addr); F(ist_info); F(acpi_rsdp_addr); F(hd0_info); F(hd1_info);
            F(sys_desc_table); F(olpc_ofw_header); F(ext_ramdisk_image); F(ext_ramdisk_size); F(ext_cmd_line_ptr);
            F(cc_blob_address); F(edid_info);
            F(efi_info.efi_loader_signature); F(efi_info.efi_systab); F(efi_info.efi_memdesc_size);
            F(efi_info.efi_memdesc_version); F(efi_info.efi_memmap); F(efi_info.efi_memmap_size); F(efi_info.efi_systab_hi);
            F(efi_info.efi_memmap_hi);
            F(alt_mem_k); F(scratch); F(e820_entries); F(eddbuf_entries); F(edd_mbr_sig_buf_entries); F(kbd_status);
            F(secure_boot); F(sentinel);
            F(hdr.setup_sects); F(hdr.root_flags); F(hdr.syssize); F(hdr.ram_size); F(hdr.vid_mode); F(hdr.root_dev);
            F(hdr.boot_flag); F(hdr.jump); F(hdr.header); F(hdr.version); F(hdr.realmode_swtch); F(hdr.start_sys_seg);
            F(hdr.kernel_version); F(hdr.type_of_loader); F(hdr.loadflags); F(hdr.setup_move_size); F(hdr.code32_start);
            F(hdr.ramdisk_image); F(hdr.ramdisk_size); F(hdr.bootsect_kludge); F(hdr.heap_end_ptr); F(hdr.ext_loader_ver);
            F(hdr.ext_loader_type); F(hdr.cmd_line_ptr); F(hdr.initrd_addr_max); F(hdr.kernel_alignment);
            F(hdr.relocatable_kernel); F(hdr.min_alignment); F(hdr.xloadflags); F(hdr.cmdline_size); F(hdr.hardware_subarch);
            F(hdr.hardware_subarch_data); F(hdr.payload_offset); F(hdr.payload_length); F(hdr.setup_data); F(hdr.pref_address);
            F(hdr.init_size); F(hdr.handover_offset); F(hdr.kernel_info_offset);
            F(edd_mbr_sig_buffer); F(eddbuf);
            for (int i = 0; i < p.e820_entries && i < E820_MAX_ENTRIES_ZEROPAGE; i++)
                printf("e820_table[%d] 0x%llx 0x%llx %u\n", i, (unsigned long long)p.e820_table[i].addr,
                    (unsigned long long)p.e820_table[i].size, p.e820_table[i].type);
            return 0;
        }
        """;

    private static readonly Lazy<string> Reader = new(() => HostC.Compile("boot-params-fields", Source));

    /// <summary>The fields of <paramref name="bootParams"/> (a whole struct boot_params), by name.</summary>
    public static Dictionary<string, string> Read(byte[] bootParams)
    {
        var file = Path.Combine(Path.GetTempPath(), $"kexecgen-boot-params-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(file, bootParams);
        try
        {
            var (code, stdout, err) = ProcessRunner.Run(Reader.Value, TimeSpan.FromSeconds(30), file);
            Assert.True(code == 0, $"the boot_params reader failed ({code}): {err}");
            return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .ToDictionary(l => l[..l.IndexOf(' ', StringComparison.Ordinal)], l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..], StringComparer.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
