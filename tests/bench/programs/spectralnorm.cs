// spectral-norm, shaped as the Computer Language Benchmarks Game program (single-threaded):
// the spectral norm of an infinite matrix by the power method, with A(i,j) a small method.
// Usage: spectralnorm.exe [n]   (default 3000); tests/bench/programs/spectralnorm.c is the C twin.
using System;

class SpectralNorm
{
    static double A(int i, int j)
    {
        return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1);
    }

    static void MultiplyAv(int n, double[] v, double[] av)
    {
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            for (int j = 0; j < n; j++)
                sum += A(i, j) * v[j];
            av[i] = sum;
        }
    }

    static void MultiplyAtv(int n, double[] v, double[] atv)
    {
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            for (int j = 0; j < n; j++)
                sum += A(j, i) * v[j];
            atv[i] = sum;
        }
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
