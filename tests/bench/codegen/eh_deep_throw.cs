// The cost of a throw's first pass through frames with only catch clauses (two-pass
// exception handling, docs/native-images.md "Two passes"): 20,000 throws, each from below a
// finally, 30 frames of a method whose catch does not match the exception, up to a catch that
// does. The first pass judges each of those frames (from its record, or from the metadata).
// Prints a checksum.
using System;
using System.Runtime.CompilerServices;

class EhDeepThrow
{
    static int finallies;

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int Down(int depth)
    {
        if (depth == 0) {
            try {
                throw new InvalidOperationException("deep");
            } finally {
                finallies++;
            }
        }
        try {
            return Down(depth - 1) + 1;
        } catch (FormatException) {
            return -1;
        }
    }

    static int Main()
    {
        int caught = 0;
        for (int i = 0; i < 20000; i++) {
            try {
                Down(30);
            } catch (InvalidOperationException) {
                caught++;
            }
        }
        Console.WriteLine(caught + finallies);
        return 0;
    }
}
