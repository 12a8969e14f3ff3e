// mandelbrot, shaped as the Computer Language Benchmarks Game program (scalar, single-threaded):
// the n×n bitmap of the Mandelbrot set, 8 pixels a byte, 50 iterations. The bitmap is not
// written out; its byte count and a rolling hash of its bytes are printed instead, so that
// outputs can be compared. Usage: mandelbrot.exe [n]   (default 4000); mandelbrot.c is the C twin.
using System;

class Mandelbrot
{
    static void Main(string[] args)
    {
        int n = args.Length > 0 ? int.Parse(args[0]) : 4000;
        int rowBytes = (n + 7) / 8;
        byte[] row = new byte[rowBytes];
        int hash = 0;
        long setPixels = 0;
        for (int y = 0; y < n; y++)
        {
            double ci = 2.0 * y / n - 1.0;
            for (int xb = 0; xb < rowBytes; xb++)
            {
                int bits = 0;
                for (int bit = 0; bit < 8; bit++)
                {
                    int x = xb * 8 + bit;
                    double cr = 2.0 * x / n - 1.5;
                    double zr = 0, zi = 0, tr = 0, ti = 0;
                    int i = 0;
                    while (i < 50 && tr + ti <= 4.0)
                    {
                        zi = 2.0 * zr * zi + ci;
                        zr = tr - ti + cr;
                        tr = zr * zr;
                        ti = zi * zi;
                        i++;
                    }
                    bits <<= 1;
                    if (tr + ti <= 4.0 && x < n)
                    {
                        bits |= 1;
                        setPixels++;
                    }
                }
                row[xb] = (byte)bits;
            }
            for (int xb = 0; xb < rowBytes; xb++)
                hash = hash * 31 + row[xb];
        }
        Console.Write("P4 ");
        Console.Write(n);
        Console.Write(" ");
        Console.Write(n * rowBytes);
        Console.Write(" bytes, hash ");
        Console.Write(hash);
        Console.Write(", pixels in the set ");
        Console.WriteLine(setPixels);
    }
}
