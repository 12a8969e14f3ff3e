// Numeric runtime benchmark: integer loops, recursion (fib 32), floating-point loops.
// Same program under mono and under ngen-build (images / JIT); prints checksums so all
// runs can be checked for equal results.
using System;

static class Numeric
{
    static int Fib(int n) { return n < 2 ? n : Fib(n - 1) + Fib(n - 2); }

    static long IntLoops(int n)
    {
        long acc = 0;
        for (int i = 0; i < n; i++)
        {
            int x = i;
            x ^= x << 13; x ^= x >> 17; x ^= x << 5;
            acc += x % 1000;
            if ((x & 1) == 0) acc -= i / 3; else acc += (uint)x >> 3;
        }
        return acc;
    }

    static double FloatLoops(int n)
    {
        double sum = 0.0, x = 0.5;
        for (int i = 1; i <= n; i++)
        {
            x = x * 1.0000001 + 1.0 / i;
            sum += x / (1.0 + x * x);
            if (sum > 1e6) sum -= 1e6;
        }
        return sum;
    }

    static int Main(string[] args)
    {
        Console.WriteLine(Fib(32));
        Console.WriteLine(IntLoops(100000000));
        Console.WriteLine(FloatLoops(50000000));
        return 0;
    }
}
