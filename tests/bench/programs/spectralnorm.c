/* spectral-norm, the scalar C twin of spectralnorm.cs (same algorithm and loop order), the
 * physical anchor of issue 8: gcc -O2, no vector intrinsics, no threads.
 * Usage: spectralnorm [n]   (default 3000) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static double A(int i, int j) { return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1); }

static void multiply_av(int n, const double *v, double *av) {
    for (int i = 0; i < n; i++) {
        double sum = 0;
        for (int j = 0; j < n; j++) sum += A(i, j) * v[j];
        av[i] = sum;
    }
}

static void multiply_atv(int n, const double *v, double *atv) {
    for (int i = 0; i < n; i++) {
        double sum = 0;
        for (int j = 0; j < n; j++) sum += A(j, i) * v[j];
        atv[i] = sum;
    }
}

static void multiply_atav(int n, const double *v, double *tmp, double *atav) {
    multiply_av(n, v, tmp);
    multiply_atv(n, tmp, atav);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 3000;
    double *u = malloc(n * sizeof *u), *v = malloc(n * sizeof *v), *tmp = malloc(n * sizeof *tmp);
    for (int i = 0; i < n; i++) u[i] = 1;
    for (int i = 0; i < 10; i++) {
        multiply_atav(n, u, tmp, v);
        multiply_atav(n, v, tmp, u);
    }
    double vbv = 0, vv = 0;
    for (int i = 0; i < n; i++) {
        vbv += u[i] * v[i];
        vv += v[i] * v[i];
    }
    printf("%.9f\n", sqrt(vbv / vv));
    free(u); free(v); free(tmp);
    return 0;
}
