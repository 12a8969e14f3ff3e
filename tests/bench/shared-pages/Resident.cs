// The hello-app sample (samples/hello-app) kept resident for tests/bench/bench-shared-pages.sh:
// runs the sample's own Main (App.exe, with MathLib, Greeter and Checksum behind it), prints a
// marker, then waits for a line on stdin so that ten copies can be measured while alive.
using System;

public static class Resident
{
    public static int Main(string[] args)
    {
        int code = HelloApp.Program.Main(args);
        Console.WriteLine("resident: ready");
        Console.ReadLine();
        return code;
    }
}
