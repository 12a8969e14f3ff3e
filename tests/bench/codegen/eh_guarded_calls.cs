// The cost of a frame record (two-pass exception handling, docs/native-images.md "Two
// passes"): 200,000,000 calls of a tiny method with a try/catch, which pushes and pops its
// record on every call. Nothing throws. Prints a checksum.
using System;
using System.Runtime.CompilerServices;

class EhGuardedCalls
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    static int Guarded(int x)
    {
        try {
            return Step(x);
        } catch (InvalidOperationException) {
            return -1;
        }
    }

    static int Step(int x)
    {
        return (x * 7 + 3) & 0xffff;
    }

    static int Main()
    {
        int acc = 0;
        for (int i = 0; i < 200000000; i++)
            acc += Guarded(i);
        Console.WriteLine(acc);
        return 0;
    }
}
