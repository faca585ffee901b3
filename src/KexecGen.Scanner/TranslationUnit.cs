using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

namespace KexecGen.Scanner;

/// <summary>One C source parsed by libclang for one target triple.</summary>
internal sealed unsafe class TranslationUnit : IDisposable
{
    /// <summary>The name given to the in-memory source; it never exists on disk.</summary>
    public const string SourceName = "/kexecgen/probe.c";

    private readonly nint _index;
    private nint _tu;

    private TranslationUnit(nint index, nint tu)
    {
        _index = index;
        _tu = tu;
    }

    /// <summary>
    /// Parses <paramref name="source"/> for <paramref name="triple"/> against only <paramref name="include"/>
    /// (-nostdinc: the ABI's own headers, never the host's). Error diagnostics are returned, not thrown.
    /// </summary>
    public static TranslationUnit Parse(string triple, IReadOnlyList<string> flags, IReadOnlyList<string> include, string source, out List<(uint Line, string Text)> errors)
    {
        var args = new List<string> { "-x", "c", "-std=gnu11", "-target", triple, "-nostdinc", "-ferror-limit=0" };
        args.AddRange(flags);
        foreach (var dir in include) args.Add("-I" + dir);

        var native = new List<nint>();
        byte* Utf8(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s + "\0");
            var p = (byte*)NativeMemory.Alloc((nuint)bytes.Length);
            bytes.AsSpan().CopyTo(new Span<byte>(p, bytes.Length));
            native.Add((nint)p);
            return p;
        }
        try
        {
            var argv = stackalloc byte*[args.Count];
            for (int i = 0; i < args.Count; i++) argv[i] = Utf8(args[i]);
            var name = Utf8(SourceName);
            var contents = Encoding.UTF8.GetBytes(source);
            fixed (byte* c = contents)
            {
                var unsaved = new CXUnsavedFile { Filename = name, Contents = c, Length = (nuint)contents.Length };
                var index = LibClang.clang_createIndex(0, 0);
                nint tu;
                int code = LibClang.clang_parseTranslationUnit2(index, name, argv, args.Count, &unsaved, 1, LibClang.DetailedPreprocessingRecord, &tu);
                if (code != 0 || tu == 0)
                {
                    LibClang.clang_disposeIndex(index);
                    throw new ScanException($"libclang could not parse for target '{triple}' (error code {code}); does clang have a backend for it?");
                }
                var unit = new TranslationUnit(index, tu);
                errors = unit.Errors();
                return unit;
            }
        }
        finally
        {
            foreach (var p in native) NativeMemory.Free((void*)p);
        }
    }

    private List<(uint Line, string Text)> Errors()
    {
        var errors = new List<(uint, string)>();
        uint count = LibClang.clang_getNumDiagnostics(_tu);
        for (uint i = 0; i < count; i++)
        {
            var d = LibClang.clang_getDiagnostic(_tu, i);
            try
            {
                if (LibClang.clang_getDiagnosticSeverity(d) < LibClang.DiagnosticError) continue;
                // Where the macro was expanded, not where it is defined: an error inside a header's macro is the line of ours that used it.
                var (file, line) = ExpansionPlace(LibClang.clang_getDiagnosticLocation(d));
                errors.Add((file == SourceName ? line : 0, LibClang.Take(LibClang.clang_formatDiagnostic(d, 0x1 | 0x2))));
            }
            finally
            {
                LibClang.clang_disposeDiagnostic(d);
            }
        }
        return errors;
    }

    /// <summary>The top-level cursors: declarations and, with the detailed preprocessing record, macro definitions.</summary>
    public List<CXCursor> TopLevel() => Children(LibClang.clang_getTranslationUnitCursor(_tu));

    /// <summary>The direct children of <paramref name="parent"/>.</summary>
    public static List<CXCursor> Children(CXCursor parent)
        => Collect<CXCursor>(data => LibClang.clang_visitChildren(parent, &CollectChild, data));

    // A list libclang's callback adds to: the callback finds it through the GCHandle passed as its client data.
    private static List<T> Collect<T>(Action<nint> visit)
    {
        var list = new List<T>();
        var handle = GCHandle.Alloc(list);
        try
        {
            visit(GCHandle.ToIntPtr(handle));
        }
        finally
        {
            handle.Free();
        }
        return list;
    }

    [UnmanagedCallersOnly]
    private static int CollectChild(CXCursor cursor, CXCursor parent, nint data)
    {
        ((List<CXCursor>)GCHandle.FromIntPtr(data).Target!).Add(cursor);
        return LibClang.VisitContinue;
    }

    /// <summary>Every file the parse read, the in-memory source excluded.</summary>
    public List<string> IncludedFiles()
    {
        var tu = _tu;
        var list = Collect<string>(data => LibClang.clang_getInclusions(tu, &CollectInclusion, data));
        list.Remove(SourceName);
        return list;
    }

    [UnmanagedCallersOnly]
    private static void CollectInclusion(nint file, CXSourceLocation* stack, uint depth, nint data)
    {
        ((List<string>)GCHandle.FromIntPtr(data).Target!).Add(LibClang.Take(LibClang.clang_getFileName(file)));
    }

    /// <summary>The file and line where <paramref name="cursor"/> is spelled; an empty file for builtins.</summary>
    public static (string File, uint Line) Place(CXCursor cursor) => Place(LibClang.clang_getCursorLocation(cursor));

    private static (string File, uint Line) Place(CXSourceLocation location)
    {
        nint file;
        uint line, column, offset;
        LibClang.clang_getSpellingLocation(location, &file, &line, &column, &offset);
        return (file == 0 ? "" : LibClang.Take(LibClang.clang_getFileName(file)), line);
    }

    private static (string File, uint Line) ExpansionPlace(CXSourceLocation location)
    {
        nint file;
        uint line, column, offset;
        LibClang.clang_getExpansionLocation(location, &file, &line, &column, &offset);
        return (file == 0 ? "" : LibClang.Take(LibClang.clang_getFileName(file)), line);
    }

    public static string Spelling(CXCursor cursor) => LibClang.Take(LibClang.clang_getCursorSpelling(cursor));

    /// <summary>The bits of an initialised integer variable, or null when clang cannot evaluate it.</summary>
    public static ulong? EvaluateBits(CXCursor cursor)
    {
        var result = LibClang.clang_Cursor_Evaluate(cursor);
        if (result == 0) return null;
        try
        {
            if (LibClang.clang_EvalResult_getKind(result) != LibClang.EvalInt) return null;
            return LibClang.clang_EvalResult_isUnsignedInt(result) != 0
                ? LibClang.clang_EvalResult_getAsUnsigned(result)
                : unchecked((ulong)LibClang.clang_EvalResult_getAsLongLong(result));
        }
        finally
        {
            LibClang.clang_EvalResult_dispose(result);
        }
    }

    public void Dispose()
    {
        if (_tu != 0)
        {
            LibClang.clang_disposeTranslationUnit(_tu);
            LibClang.clang_disposeIndex(_index);
            _tu = 0;
        }
    }
}

/// <summary>A scan that cannot give a trustworthy answer.</summary>
public sealed class ScanException(string message) : Exception(message);
