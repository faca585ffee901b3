using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using KexecGen.Config;
using KexecGen.Generator.Model;
using Scriban;
using Scriban.Runtime;

namespace KexecGen.Generator.Emit;

/// <summary>Formats a <see cref="BindingModel"/> through the Scriban templates; it decides nothing.</summary>
public static class Emitter
{
    /// <summary>The templates, each giving one generated file named after it.</summary>
    private static readonly string[] TemplateNames = { "Enums", "Constants", "Structs", "Syscalls", "AbiTable" };

    private static readonly Lazy<IReadOnlyList<(string Name, Template Template)>> Templates = new(LoadTemplates);

    // The formatting functions, imported (by reflection) once; templates only read them.
    private static readonly Lazy<ScriptObject> Functions = new(() =>
    {
        var functions = new ScriptObject();
        functions.Import(typeof(EmitFunctions), renamer: member => SnakeCase(member.Name));
        return functions;
    });

    // Scriban's built-in functions, made once: a context makes its own set otherwise, a twentieth of rendering.
    // Templates only read them (their assignments go to the model's globals).
    private static readonly Lazy<ScriptObject> Builtins = new(() => new Scriban.Functions.BuiltinFunctions());

    /// <summary>
    /// The generated files for <paramref name="model"/>, in a fixed order. With <paramref name="libraryImport"/> the
    /// stubs are <c>[LibraryImport]</c> declarations for .NET's generator to implement; without, the equivalent code itself.
    /// </summary>
    public static EquatableArray<GeneratedFile> Render(BindingModel model, bool libraryImport = true)
    {
        var files = new List<GeneratedFile>();
        var globals = new ScriptObject { ["model"] = model, ["library_import"] = libraryImport };
        foreach (var (name, template) in Templates.Value)
        {
            var context = new ModelTemplateContext(Builtins.Value) { StrictVariables = true, LoopLimit = 0, LimitToString = 0, MemberRenamer = member => SnakeCase(member.Name) };
            context.PushCulture(CultureInfo.InvariantCulture);
            context.PushGlobal(Functions.Value);
            context.PushGlobal(globals);
            files.Add(new GeneratedFile($"KexecGen.{name}.g.cs", template.Render(context).Replace("\r\n", "\n")));
        }
        return files.ToEquatableArray();
    }

    /// <summary>The name a template uses for a model member: CName → c_name, KexecArchValue → kexec_arch_value.</summary>
    public static string SnakeCase(string name)
    {
        var s = new System.Text.StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            bool boundary = i > 0 && char.IsUpper(c)
                && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1])));
            if (boundary) s.Append('_');
            s.Append(char.ToLowerInvariant(c));
        }
        return s.ToString();
    }

    private static IReadOnlyList<(string, Template)> LoadTemplates()
    {
        var assembly = typeof(Emitter).Assembly;
        var list = new List<(string, Template)>();
        foreach (var name in TemplateNames)
        {
            using var stream = assembly.GetManifestResourceStream($"KexecGen.Templates.{name}.sbn")
                ?? throw new InvalidOperationException($"template {name}.sbn is not embedded");
            using var reader = new StreamReader(stream);
            var template = Template.Parse(reader.ReadToEnd(), $"{name}.sbn");
            if (template.HasErrors) throw new InvalidOperationException($"template {name}.sbn: {string.Join("; ", template.Messages)}");
            list.Add((name, template));
        }
        return list;
    }
}

/// <summary>The formatting functions the templates call (snake_case there: <c>literal</c>, <c>xml</c>, …).</summary>
public static class EmitFunctions
{
    /// <summary>A C# integer literal: hex for flags and large values, decimal otherwise.</summary>
    public static string Literal(long value, bool hex) =>
        (hex || value >= 0x10000) && value >= 0
            ? "0x" + value.ToString("X", CultureInfo.InvariantCulture)
            : value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A value, or <c>null</c>.</summary>
    public static string Nullable(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "null";

    /// <summary>A syscall number, or -1 for a syscall the ABI lacks.</summary>
    public static string Number(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-1";

    /// <summary>Text made safe for an XML doc comment.</summary>
    public static string Xml(string? text) =>
        (text ?? "").Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\r", " ").Replace("\n", " ");

    /// <summary>The ABIs .NET runs on, for messages: "x86_64 as X64, arm64 as Arm64".</summary>
    public static string DotnetAbis(BindingModel model) =>
        string.Join(", ", model.Abis.Where(a => a.DotNet.Count > 0).Select(a => $"{a.Name} as {string.Join(" or ", a.DotNet)}"));

    /// <summary>A string literal.</summary>
    public static string Str(string? text)
    {
        if (text is null) return "null";
        var s = new System.Text.StringBuilder("\"");
        foreach (char c in text)
        {
            if (c == '"' || c == '\\') s.Append('\\').Append(c);
            else if (c < 0x20 || c > 0x7e) s.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else s.Append(c);
        }
        return s.Append('"').ToString();
    }

    /// <summary>String literals, comma-separated: one call for a list, where a template loop costs a call per item.</summary>
    public static string StrList(IEnumerable<string?> texts) => string.Join(", ", texts.Select(Str));

    /// <summary>Integer literals, comma-separated.</summary>
    public static string IntList(IEnumerable<int> values) => string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));

    /// <summary>
    /// One register for the variadic libc <c>syscall()</c>: an argument widened to a full register (enums through their
    /// integer type), one 32-bit half of a 64-bit argument, or a padding 0.
    /// </summary>
    public static string Register(RegisterModel register)
    {
        if (register.Kind == RegisterModel.Pad) return "0";
        var name = register.Arg!;
        var value = register.Underlying is not null ? $"({register.Underlying}){name}" : name;
        return register.Kind switch
        {
            RegisterModel.Low => $"unchecked((nint)(int)(long){value})",
            RegisterModel.High => $"unchecked((nint)(int)((long){value} >> 32))",
            _ => register.Underlying is not null ? $"(nint){value}" : register.Type == "nint" ? name : $"(nint){name}",
        };
    }
}
