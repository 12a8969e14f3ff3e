using System.Reflection;
using System.Runtime.InteropServices;

[assembly: AssemblyTitle("Hello")]
[assembly: AssemblyDescription("The old-style project of NgenBuild.targets' tests")]
[assembly: AssemblyConfiguration("")]
[assembly: AssemblyCompany("")]
[assembly: AssemblyProduct("Hello")]
[assembly: AssemblyCopyright("")]
[assembly: ComVisible(false)]
[assembly: Guid("3f2a6b1c-5d4e-4f70-8a9b-0c1d2e3f4a5b")]
[assembly: AssemblyVersion("1.2.0.0")]
[assembly: AssemblyFileVersion("1.2.0.0")]
