// App.exe: the sample application. It references
//   MathLib  (simply-named, found in the privatePath folder bin/),
//   Greeter  (strong-named, referenced at 1.0.0.0, redirected to 2.0.0.0 by App.exe.config),
//   Checksum (strong-named, found in a GAC-like folder),
// declares Ngen hard-binding hints, and opts one method out of native compilation.
// Only static methods, integer/float arithmetic and strings via Console.WriteLine,
// String.Concat, int.Parse/ToString and Math, so the ngen-build runtime can run it early.
using System;
using System.Runtime.CompilerServices;

[assembly: System.Reflection.AssemblyVersion("1.0.0.0")]
[assembly: Dependency("MathLib", LoadHint.Always)]
[assembly: Dependency("Greeter", LoadHint.Sometimes)]

// BypassNGenAttribute is not in the class library: Ngen matches it by name, so we declare it.
namespace System.Runtime
{
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor)]
    public sealed class BypassNGenAttribute : Attribute
    {
    }
}

namespace HelloApp
{
    public static class Program
    {
        public static int Main(string[] args)
        {
            int n = 30;
            if (args.Length > 0)
            {
                n = int.Parse(args[0]);
            }
            Console.WriteLine(Greeter.Greetings.Hello("ngen-build"));
            Console.WriteLine(String.Concat("fib(", n.ToString(), ") = ", MathLib.Numbers.Fibonacci(n).ToString()));
            Console.WriteLine(String.Concat("gcd(1071, 462) = ", MathLib.Numbers.Gcd(1071, 462).ToString()));
            Console.WriteLine(String.Concat("primes <= 1000: ", MathLib.Numbers.CountPrimes(1000).ToString()));
            Console.WriteLine(String.Concat("luhn check digit(123456789) = ", Checksum.Luhn.CheckDigit(123456789).ToString()));
            Console.WriteLine(String.Concat("collatz steps(27) = ", CollatzSteps(27).ToString()));
            Console.WriteLine(String.Concat("hypot(3, 4) = ", Math.Sqrt(3.0 * 3.0 + 4.0 * 4.0).ToString()));
            Console.WriteLine(String.Concat("1.5^2 = ", Math.Pow(1.5, 2.0).ToString()));
            return 0;
        }

        // Always JIT-compiled: Ngen (and ngen-build) leave methods with this attribute out of images.
        [System.Runtime.BypassNGen]
        public static int CollatzSteps(int n)
        {
            int steps = 0;
            while (n != 1)
            {
                if (n % 2 == 0) n = n / 2; else n = 3 * n + 1;
                steps++;
            }
            return steps;
        }
    }
}
