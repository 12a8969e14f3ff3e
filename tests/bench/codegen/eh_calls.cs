// The cost of exception handling on the path that does not throw (issue 7): the same
// call-heavy loop, plain and with every call inside try/catch and try/finally blocks.
// `eh_calls.exe plain|handlers [iterations]` prints a checksum; both variants print the same.
using System;
using System.Runtime.CompilerServices;

class EhCalls
{
    static int sink;

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int Step(int acc, int i)
    {
        return (acc ^ i) + (i & 7);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int Plain(int n)
    {
        int acc = 0;
        for (int i = 0; i < n; i++)
        {
            acc = Step(acc, i);
            acc = Step(acc, i + 1);
        }
        return acc;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int Handlers(int n)
    {
        int acc = 0;
        for (int i = 0; i < n; i++)
        {
            try
            {
                acc = Step(acc, i);
            }
            catch
            {
                acc = -1;
            }
            try
            {
                acc = Step(acc, i + 1);
            }
            finally
            {
                sink++;
            }
        }
        return acc;
    }

    static int Main(string[] args)
    {
        int n = args.Length > 1 ? int.Parse(args[1]) : 100000000;
        int result = args.Length > 0 && args[0] == "handlers" ? Handlers(n) : Plain(n);
        Console.WriteLine(result);
        return 0;
    }
}
