// spectral-norm with its row loops in Parallel.For (issue 9's multi-threaded benchmark): the
// same arithmetic as spectralnorm.cs, each row's dot product computed on the thread pool, so
// the result is the single-threaded one bit for bit.
// Usage: parallel_spectralnorm.exe [n]   (default 3000)
using System;
using System.Threading.Tasks;

class ParallelSpectralNorm
{
    static double A(int i, int j)
    {
        return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1);
    }

    static void MultiplyAv(int n, double[] v, double[] av)
    {
        Parallel.For(0, n, i =>
        {
            double sum = 0;
            for (int j = 0; j < n; j++)
                sum += A(i, j) * v[j];
            av[i] = sum;
        });
    }

    static void MultiplyAtv(int n, double[] v, double[] atv)
    {
        Parallel.For(0, n, i =>
        {
            double sum = 0;
            for (int j = 0; j < n; j++)
                sum += A(j, i) * v[j];
            atv[i] = sum;
        });
    }

    static void MultiplyAtAv(int n, double[] v, double[] tmp, double[] atav)
    {
        MultiplyAv(n, v, tmp);
        MultiplyAtv(n, tmp, atav);
    }

    static void Main(string[] args)
    {
        int n = args.Length > 0 ? int.Parse(args[0]) : 3000;
        double[] u = new double[n];
        double[] v = new double[n];
        double[] tmp = new double[n];
        for (int i = 0; i < n; i++)
            u[i] = 1;
        for (int i = 0; i < 10; i++)
        {
            MultiplyAtAv(n, u, tmp, v);
            MultiplyAtAv(n, v, tmp, u);
        }
        double vBv = 0, vv = 0;
        for (int i = 0; i < n; i++)
        {
            vBv += u[i] * v[i];
            vv += v[i] * v[i];
        }
        Console.WriteLine(Math.Sqrt(vBv / vv).ToString("F9"));
    }
}
