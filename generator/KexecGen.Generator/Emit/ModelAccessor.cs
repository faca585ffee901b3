using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;

namespace KexecGen.Generator.Emit;

/// <summary>
/// The templates' view of a model record: its public properties under their snake_case names, read through delegates
/// bound once per type. Scriban's own accessor reads each property by reflection, which was a fifth of rendering.
/// </summary>
internal sealed class ModelAccessor : IObjectAccessor
{
    private static readonly ConcurrentDictionary<Type, ModelAccessor> ByType = new();

    private static readonly MethodInfo BindGetter = typeof(ModelAccessor).GetMethod(nameof(Getter), BindingFlags.NonPublic | BindingFlags.Static)!;

    private readonly Dictionary<string, Func<object, object?>> _getters;

    private ModelAccessor(Type type) =>
        _getters = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0)
            .ToDictionary(p => Emitter.SnakeCase(p.Name),
                p => (Func<object, object?>)BindGetter.MakeGenericMethod(type, p.PropertyType).Invoke(null, new object[] { p.GetMethod! })!,
                StringComparer.Ordinal);

    /// <summary>The accessor of <paramref name="type"/>'s instances.</summary>
    public static ModelAccessor For(Type type) => ByType.GetOrAdd(type, t => new ModelAccessor(t));

    // An open-instance delegate to the getter, boxed once per read as Scriban would.
    private static Func<object, object?> Getter<TTarget, TValue>(MethodInfo getter)
    {
        var typed = (Func<TTarget, TValue>)Delegate.CreateDelegate(typeof(Func<TTarget, TValue>), getter);
        return target => typed((TTarget)target);
    }

    public bool HasIndexer => false;

    public Type? IndexType => null;

    public int GetMemberCount(TemplateContext context, SourceSpan span, object target) => _getters.Count;

    public IEnumerable<string> GetMembers(TemplateContext context, SourceSpan span, object target) => _getters.Keys;

    public bool HasMember(TemplateContext context, SourceSpan span, object target, string member) => _getters.ContainsKey(member);

    public bool TryGetValue(TemplateContext context, SourceSpan span, object target, string member, out object? value)
    {
        if (_getters.TryGetValue(member, out var get))
        {
            value = get(target);
            return true;
        }
        value = null;
        return false;
    }

    // The model is read-only to templates.
    public bool TrySetValue(TemplateContext context, SourceSpan span, object target, string member, object? value) => false;

    public bool TryGetItem(TemplateContext context, SourceSpan span, object target, object index, out object? value)
    {
        value = null;
        return false;
    }

    public bool TrySetItem(TemplateContext context, SourceSpan span, object target, object index, object? value) => false;
}

/// <summary>A template context that reads model records through <see cref="ModelAccessor"/>.</summary>
internal sealed class ModelTemplateContext(ScriptObject builtins) : TemplateContext(builtins)
{
    protected override IObjectAccessor GetMemberAccessorImpl(object target) =>
        target.GetType().Namespace == typeof(Model.BindingModel).Namespace ? ModelAccessor.For(target.GetType()) : base.GetMemberAccessorImpl(target)!;
}
