using System;
using System.Collections.Generic;
using System.Linq;
using KexecGen.Config;

namespace KexecGen.Generator.Model;

/// <summary>
/// Names that become C# in one scope must differ, and a member may not be named as its type (CS0542): else the output
/// would not compile, with nothing to say why. Each collision is a KXG002 at the input that makes it.
/// </summary>
internal static class NameCollisions
{
    // The types every generated set holds besides the configured ones (the templates' own).
    private static readonly string[] FixedTypeNames = { "Syscalls", "SyscallNumbers", "AbiTable", "AbiInfo", "AbiSyscall", "AbiField", "AbiStructLayout", "AbiConstant" };

    // Names that become C# in one scope must differ, and a member may not be named as its type (CS0542): else the
    // output would not compile, with nothing to say why.
    public static void Check(BindingsSpec bindings, List<ConstantClassModel> classes, List<StructModel> structs,
        List<SyscallModel> syscalls, List<DiagnosticInfo> diagnostics)
    {
        var types = FixedTypeNames.Select(n => (Name: n, Location: (LocationInfo?)null, What: "a type KexecGen always generates"))
            .Concat(bindings.Enums.Select(e => (e.Name, (LocationInfo?)e.Location, "enum " + e.Name)))
            .Concat(bindings.Classes.Select(c => (c.Name, (LocationInfo?)c.Location, "class " + c.Name)))
            .Concat(bindings.Structs.Select(st => (st.Name, (LocationInfo?)st.Location, "struct " + st.Name)))
            .Concat(structs.Where(st => st.Held).Select(st => (st.Name, (LocationInfo?)null, $"the struct for {st.Kind} {st.CName}, which a bound struct holds")));
        Unique(types, "type names in the namespace", diagnostics);
        Unique(bindings.Syscalls.Select(c => (c.Method, (LocationInfo?)c.Location, "syscall " + c.Name)), "syscall methods", diagnostics);
        foreach (var (spec, model) in bindings.Syscalls.Zip(syscalls, (a, b) => (a, b)))
        {
            Unique(model.Args.Select(a => (a.Name, (LocationInfo?)spec.Location, $"argument {a.CName} of syscall {spec.Name}")), $"the arguments of syscall {spec.Name}", diagnostics);
        }
        foreach (var model in structs)
        {
            var at = (bindings.Structs.FirstOrDefault(b => b.CName == model.CName) ?? bindings.Structs[0]).Location;
            var members = model.Fields.Select(f => (f.Name, f.CName)).Concat(model.BitFields.Select(b => (b.Name, b.CName))).Concat(model.Flexible.Select(f => (f.Name, f.CName)));
            Unique(members.Select(m => (m.Name, (LocationInfo?)at, $"field {m.CName} of {model.Kind} {model.CName}"))
                .Append((model.Name, at, "the struct itself")), $"the members of struct {model.Name}", diagnostics);
        }
        foreach (var (spec, model) in bindings.Classes.Zip(classes, (a, b) => (a, b)))
        {
            Unique(model.Members.Select(m => (m.Name, (LocationInfo?)spec.Location, "constant " + m.Name))
                .Append(("NameOf", spec.Location, "its NameOf method")).Append((model.Name, spec.Location, "the class itself")), $"the members of class {model.Name}", diagnostics);
        }
    }

    private static void Unique(IEnumerable<(string Name, LocationInfo? Location, string What)> items, string scope, List<DiagnosticInfo> diagnostics)
    {
        foreach (var group in items.GroupBy(i => i.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var list = group.ToList();
            var at = list.Skip(1).Select(i => i.Location).FirstOrDefault(l => l is not null) ?? list[0].Location!;
            diagnostics.Add(Diagnose.Schema(at, $"{scope}: '{group.Key}' would name both {list[0].What} and {list[1].What}; rename one"));
        }
    }
}
