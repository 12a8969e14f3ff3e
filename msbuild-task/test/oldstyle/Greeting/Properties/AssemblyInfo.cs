using System.Reflection;
using System.Runtime.InteropServices;

[assembly: AssemblyTitle("Greeting")]
[assembly: AssemblyProduct("Hello")]
[assembly: ComVisible(false)]
[assembly: AssemblyVersion("2.0.0.0")]
[assembly: AssemblyFileVersion("2.0.0.0")]
