// MathLib: a simply-named library deployed in the privatePath folder bin/ (see App.exe.config).
// Static methods on integers only, so the ngen-build runtime can run it early.
using System.Reflection;
using System.Runtime.CompilerServices;

[assembly: AssemblyVersion("1.0.0.0")]
// MathLib is used on every run: ask Ngen to hard-bind it by default.
[assembly: DefaultDependency(LoadHint.Always)]

namespace MathLib
{
    public static class Numbers
    {
        // Fits in an int up to n = 46.
        public static int Fibonacci(int n)
        {
            int a = 0, b = 1;
            for (int i = 0; i < n; i++)
            {
                int next = a + b;
                a = b;
                b = next;
            }
            return a;
        }

        public static int Gcd(int a, int b)
        {
            while (b != 0)
            {
                int r = a % b;
                a = b;
                b = r;
            }
            return a;
        }

        public static bool IsPrime(int n)
        {
            if (n < 2) return false;
            for (int d = 2; d * d <= n; d++)
            {
                if (n % d == 0) return false;
            }
            return true;
        }

        public static int CountPrimes(int limit)
        {
            int count = 0;
            for (int i = 2; i <= limit; i++)
            {
                if (IsPrime(i)) count++;
            }
            return count;
        }
    }
}
