// The plugin host benchmark's contract (tests/bench/bench-plugins.sh, issue 9): the interface
// every plugin implements and the attribute that names it. The host references this
// assembly; the generated plugin assemblies (generate.cs) reference it too.
using System;

namespace PluginHost.Contract
{
    public interface IPlugin
    {
        string Name { get; }
        int Weight { get; set; }
        long Run(int n);
    }

    [AttributeUsage(AttributeTargets.Class, Inherited = false)]
    public sealed class PluginAttribute : Attribute
    {
        public PluginAttribute(string name) { Name = name; }
        public string Name { get; private set; }
        public int Order { get; set; }
        public string Category { get; set; }
    }
}
