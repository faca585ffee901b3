using System.Runtime.InteropServices;

namespace KexecGen.Scanner;

// The few libclang entry points the scanner needs (libclang.runtime.linux-x64 ships the library).
// Struct shapes follow clang-c/Index.h.

/// <summary>clang-c's CXString.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CXString
{
    public nint Data;
    public uint PrivateFlags;
}

/// <summary>clang-c's CXCursor.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CXCursor
{
    public int Kind;
    public int XData;
    public nint Data0, Data1, Data2;
}

/// <summary>clang-c's CXType.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CXType
{
    public int Kind;
    public nint Data0, Data1;
}

/// <summary>clang-c's CXSourceLocation.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CXSourceLocation
{
    public nint Ptr0, Ptr1;
    public uint IntData;
}

/// <summary>clang-c's CXUnsavedFile: a file given by its contents.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXUnsavedFile
{
    public byte* Filename;
    public byte* Contents;
    public nuint Length;
}

/// <summary>The cursor kinds the scanner looks at.</summary>
internal static class CursorKind
{
    public const int StructDecl = 2;
    public const int UnionDecl = 3;
    public const int FieldDecl = 6;
    public const int VarDecl = 9;
    public const int MacroDefinition = 501;
}

internal static unsafe partial class LibClang
{
    private const string Lib = "libclang";

    public const uint DetailedPreprocessingRecord = 0x01;
    public const int DiagnosticError = 3;
    public const int EvalInt = 1;
    public const int VisitBreak = 0, VisitContinue = 1, VisitRecurse = 2;

    [LibraryImport(Lib)] public static partial nint clang_createIndex(int excludeDeclarationsFromPch, int displayDiagnostics);
    [LibraryImport(Lib)] public static partial void clang_disposeIndex(nint index);
    [LibraryImport(Lib)]
    public static partial int clang_parseTranslationUnit2(nint index, byte* sourceFilename, byte** commandLineArgs, int numArgs,
        CXUnsavedFile* unsavedFiles, uint numUnsavedFiles, uint options, nint* translationUnit);
    [LibraryImport(Lib)] public static partial void clang_disposeTranslationUnit(nint tu);
    [LibraryImport(Lib)] public static partial uint clang_getNumDiagnostics(nint tu);
    [LibraryImport(Lib)] public static partial nint clang_getDiagnostic(nint tu, uint index);
    [LibraryImport(Lib)] public static partial void clang_disposeDiagnostic(nint diagnostic);
    [LibraryImport(Lib)] public static partial int clang_getDiagnosticSeverity(nint diagnostic);
    [LibraryImport(Lib)] public static partial CXString clang_formatDiagnostic(nint diagnostic, uint options);
    [LibraryImport(Lib)] public static partial CXSourceLocation clang_getDiagnosticLocation(nint diagnostic);
    [LibraryImport(Lib)] public static partial CXCursor clang_getTranslationUnitCursor(nint tu);
    [LibraryImport(Lib)]
    public static partial uint clang_visitChildren(CXCursor parent, delegate* unmanaged<CXCursor, CXCursor, nint, int> visitor, nint clientData);
    [LibraryImport(Lib)] public static partial CXString clang_getCursorSpelling(CXCursor cursor);
    [LibraryImport(Lib)] public static partial uint clang_Cursor_isMacroFunctionLike(CXCursor cursor);
    [LibraryImport(Lib)] public static partial uint clang_isCursorDefinition(CXCursor cursor);
    [LibraryImport(Lib)] public static partial CXSourceLocation clang_getCursorLocation(CXCursor cursor);
    [LibraryImport(Lib)] public static partial void clang_getExpansionLocation(CXSourceLocation location, nint* file, uint* line, uint* column, uint* offset);
    [LibraryImport(Lib)] public static partial void clang_getSpellingLocation(CXSourceLocation location, nint* file, uint* line, uint* column, uint* offset);
    [LibraryImport(Lib)] public static partial CXString clang_getFileName(nint file);
    [LibraryImport(Lib)] public static partial CXType clang_getCursorType(CXCursor cursor);
    [LibraryImport(Lib)] public static partial CXString clang_getTypeSpelling(CXType type);
    [LibraryImport(Lib)] public static partial long clang_Type_getSizeOf(CXType type);
    [LibraryImport(Lib)] public static partial long clang_Type_getAlignOf(CXType type);
    [LibraryImport(Lib)] public static partial long clang_Cursor_getOffsetOfField(CXCursor cursor);
    [LibraryImport(Lib)] public static partial uint clang_Cursor_isBitField(CXCursor cursor);
    [LibraryImport(Lib)] public static partial int clang_getFieldDeclBitWidth(CXCursor cursor);
    [LibraryImport(Lib)] public static partial uint clang_Cursor_isAnonymousRecordDecl(CXCursor cursor);
    [LibraryImport(Lib)] public static partial uint clang_Cursor_isAnonymous(CXCursor cursor);
    [LibraryImport(Lib)] public static partial CXType clang_getCanonicalType(CXType type);
    [LibraryImport(Lib)] public static partial CXType clang_getArrayElementType(CXType type);
    [LibraryImport(Lib)] public static partial long clang_getArraySize(CXType type);
    [LibraryImport(Lib)] public static partial CXCursor clang_getTypeDeclaration(CXType type);
    [LibraryImport(Lib)] public static partial CXType clang_getEnumDeclIntegerType(CXCursor cursor);
    [LibraryImport(Lib)] public static partial long clang_Type_getOffsetOf(CXType type, byte* field);
    [LibraryImport(Lib)] public static partial nint clang_Cursor_Evaluate(CXCursor cursor);
    [LibraryImport(Lib)] public static partial int clang_EvalResult_getKind(nint result);
    [LibraryImport(Lib)] public static partial uint clang_EvalResult_isUnsignedInt(nint result);
    [LibraryImport(Lib)] public static partial ulong clang_EvalResult_getAsUnsigned(nint result);
    [LibraryImport(Lib)] public static partial long clang_EvalResult_getAsLongLong(nint result);
    [LibraryImport(Lib)] public static partial void clang_EvalResult_dispose(nint result);
    [LibraryImport(Lib)]
    public static partial void clang_getInclusions(nint tu, delegate* unmanaged<nint, CXSourceLocation*, uint, nint, void> visitor, nint clientData);
    [LibraryImport(Lib)] public static partial CXString clang_getClangVersion();
    [LibraryImport(Lib)] private static partial byte* clang_getCString(CXString text);
    [LibraryImport(Lib)] private static partial void clang_disposeString(CXString text);

    /// <summary>Copies a CXString into a managed string and frees it.</summary>
    public static string Take(CXString text)
    {
        try
        {
            var p = clang_getCString(text);
            return p is null ? "" : Marshal.PtrToStringUTF8((nint)p) ?? "";
        }
        finally
        {
            clang_disposeString(text);
        }
    }
}
