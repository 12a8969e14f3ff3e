/* mandelbrot, the scalar C twin of mandelbrot.cs (same loops, same output), the physical
 * anchor of issue 8: gcc -O2, no vector intrinsics, no threads.
 * Usage: mandelbrot [n]   (default 4000) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 4000;
    int row_bytes = (n + 7) / 8;
    unsigned char *row = malloc(row_bytes);
    uint32_t hash = 0; /* C# int arithmetic wraps; unsigned wraps the same bits here */
    long long set_pixels = 0;
    for (int y = 0; y < n; y++) {
        double ci = 2.0 * y / n - 1.0;
        for (int xb = 0; xb < row_bytes; xb++) {
            int bits = 0;
            for (int bit = 0; bit < 8; bit++) {
                int x = xb * 8 + bit;
                double cr = 2.0 * x / n - 1.5;
                double zr = 0, zi = 0, tr = 0, ti = 0;
                int i = 0;
                while (i < 50 && tr + ti <= 4.0) {
                    zi = 2.0 * zr * zi + ci;
                    zr = tr - ti + cr;
                    tr = zr * zr;
                    ti = zi * zi;
                    i++;
                }
                bits <<= 1;
                if (tr + ti <= 4.0 && x < n) {
                    bits |= 1;
                    set_pixels++;
                }
            }
            row[xb] = (unsigned char)bits;
        }
        for (int xb = 0; xb < row_bytes; xb++) hash = hash * 31u + row[xb];
    }
    printf("P4 %d %d bytes, hash %d, pixels in the set %lld\n", n, n * row_bytes, (int32_t)hash,
           set_pixels);
    free(row);
    return 0;
}
