// fannkuch-redux, shaped as the Computer Language Benchmarks Game program (single-threaded):
// every permutation of 1..n in the benchmark's order, counting pancake flips.
// Usage: fannkuchredux.exe [n]   (default 10)
using System;

class FannkuchRedux
{
    static void Main(string[] args)
    {
        int n = args.Length > 0 ? int.Parse(args[0]) : 10;
        int[] perm = new int[n];
        int[] perm1 = new int[n];
        int[] count = new int[n];
        for (int i = 0; i < n; i++)
            perm1[i] = i;

        int maxFlips = 0, checksum = 0, permCount = 0, r = n;
        while (true)
        {
            while (r != 1)
            {
                count[r - 1] = r;
                r--;
            }

            for (int i = 0; i < n; i++)
                perm[i] = perm1[i];
            int flips = 0;
            int k;
            while ((k = perm[0]) != 0)
            {
                int k2 = (k + 1) >> 1;
                for (int i = 0; i < k2; i++)
                {
                    int t = perm[i];
                    perm[i] = perm[k - i];
                    perm[k - i] = t;
                }
                flips++;
            }
            if (flips > maxFlips)
                maxFlips = flips;
            checksum += (permCount & 1) == 0 ? flips : -flips;

            // The next permutation.
            while (true)
            {
                if (r == n)
                {
                    Console.WriteLine(checksum);
                    Console.Write("Pfannkuchen(");
                    Console.Write(n);
                    Console.Write(") = ");
                    Console.WriteLine(maxFlips);
                    return;
                }
                int perm0 = perm1[0];
                for (int i = 0; i < r; i++)
                    perm1[i] = perm1[i + 1];
                perm1[r] = perm0;
                count[r]--;
                if (count[r] > 0)
                    break;
                r++;
            }
            permCount++;
        }
    }
}
