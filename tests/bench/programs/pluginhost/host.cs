// The plugin host benchmark (tests/bench/bench-plugins.sh, issue 9): a reflection-heavy
// startup. Usage: host.exe N PLUGIN.dll...: loads every plugin assembly with
// Assembly.LoadFrom, finds its plugin types by reflection (GetTypes, IsAssignableFrom,
// GetCustomAttributes), orders them by their attribute, creates each with
// Activator.CreateInstance, sets a property through PropertyInfo, and invokes Run(N) twice:
// through the interface and through MethodInfo.Invoke. Prints one line per plugin and a
// checksum, all deterministic.
using System;
using System.Collections.Generic;
using System.Reflection;
using PluginHost.Contract;

class Found
{
    public Type Type;
    public PluginAttribute Attribute;
}

class Program
{
    static int Main(string[] args)
    {
        int n = int.Parse(args[0]);
        var found = new List<Found>();
        int assemblies = 0, types = 0;
        for (int i = 1; i < args.Length; i++)
        {
            Assembly plugin = Assembly.LoadFrom(args[i]);
            assemblies++;
            foreach (Type t in plugin.GetTypes())
            {
                types++;
                if (t.IsAbstract || !typeof(IPlugin).IsAssignableFrom(t))
                    continue;
                object[] attributes = t.GetCustomAttributes(typeof(PluginAttribute), false);
                if (attributes.Length != 1)
                    continue;
                found.Add(new Found { Type = t, Attribute = (PluginAttribute)attributes[0] });
            }
        }
        found.Sort((a, b) => a.Attribute.Order.CompareTo(b.Attribute.Order));
        Console.WriteLine(assemblies + " assemblies, " + types + " types, " + found.Count + " plugins");

        long checksum = 0;
        var byCategory = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (Found f in found)
        {
            var plugin = (IPlugin)Activator.CreateInstance(f.Type);
            f.Type.GetProperty("Weight").SetValue(plugin, f.Attribute.Order % 7 + 1, null);
            long direct = plugin.Run(n);
            MethodInfo run = f.Type.GetMethod("Run", new[] { typeof(int) });
            long reflected = (long)run.Invoke(plugin, new object[] { n });
            if (direct != reflected)
                Console.WriteLine("MISMATCH " + f.Type.FullName);
            checksum = checksum * 31 + direct;
            int seen;
            byCategory.TryGetValue(f.Attribute.Category, out seen);
            byCategory[f.Attribute.Category] = seen + 1;
            Console.WriteLine(f.Attribute.Order.ToString("D2") + " " + f.Attribute.Name + " (" +
                f.Type.FullName + ", weight " + plugin.Weight + "): " + direct);
        }
        foreach (var pair in byCategory)
            Console.WriteLine(pair.Key + ": " + pair.Value);
        Console.WriteLine("checksum " + checksum);
        return 0;
    }
}
