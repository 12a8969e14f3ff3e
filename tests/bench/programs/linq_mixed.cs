// LINQ over instantiations mixing reference and value types (docs/BENCHMARKS.md, section 23):
// GroupBy with int keys over strings, ToDictionary<string,int>, OrderBy on an int key,
// ToLookup, a Dictionary<int,string> and a List<KeyValuePair<string,int>>, over N words
// (argument, default 20000). Prints a checksum so runs can be compared with mono.
using System;
using System.Collections.Generic;
using System.Linq;

public static class LinqMixed {
    public static int Main (string[] args) {
        int n = args.Length > 0 ? int.Parse (args [0]) : 20000;
        var words = new List<string> (n);
        uint seed = 12345;
        for (int i = 0; i < n; i++) {
            seed = seed * 1103515245 + 12345;
            int len = 2 + (int) (seed >> 16) % 9;
            var chars = new char [len];
            for (int c = 0; c < len; c++) {
                seed = seed * 1103515245 + 12345;
                chars [c] = (char) ('a' + (seed >> 16) % 26);
            }
            words.Add (new string (chars));
        }
        long sum = 0;
        foreach (var g in words.GroupBy (w => w.Length).OrderBy (g => g.Key))
            sum += g.Key * g.Count ();
        Dictionary<string, int> counts = words.GroupBy (w => w).ToDictionary (g => g.Key, g => g.Count ());
        sum += counts.Count;
        var byLength = words.Distinct ().OrderBy (w => w.Length).ThenBy (w => w).Take (100).ToList ();
        sum += byLength.Sum (w => w.Length);
        var lookup = words.ToLookup (w => w [0] - 'a', w => w);
        sum += lookup [3].Count ();
        var firstOf = new Dictionary<int, string> ();
        foreach (var w in words)
            if (!firstOf.ContainsKey (w.Length))
                firstOf [w.Length] = w;
        sum += firstOf.Count;
        var pairs = counts.Where (kv => kv.Value > 1).OrderByDescending (kv => kv.Value).ToList ();
        sum += pairs.Count;
        Console.WriteLine ("checksum " + sum);
        return 0;
    }
}
