// Greeter: a strong-named library built twice. App.exe is compiled against 1.0.0.0 (out/ref/),
// but 2.0.0.0 is what ships next to App.exe; App.exe.config's bindingRedirect 1.0.0.0 -> 2.0.0.0
// is what makes the loader accept it. Compile with -define:V2 for version 2.
using System;
using System.Reflection;

#if V2
[assembly: AssemblyVersion("2.0.0.0")]
#else
[assembly: AssemblyVersion("1.0.0.0")]
#endif

namespace Greeter
{
    public static class Greetings
    {
        public static string Version()
        {
#if V2
            return "2.0";
#else
            return "1.0";
#endif
        }

        public static string Hello(string who)
        {
            // At most four arguments: five would make C# allocate a string[] for Concat(params).
            return String.Concat("Hello, ", who, "! (Greeter ", String.Concat(Version(), ")"));
        }
    }
}
