#!/usr/bin/env python3
"""Writes a C# program with N static methods (default 10,000) for the compile-throughput
benchmark: a mix of integer and float arithmetic, a loop, a branch and calls to the
previous method, so every method exercises blocks, block parameters and direct calls."""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
out = ["using System;", "static class Gen {"]
for i in range(n):
    callee = f"M{i-1}(a - 1, b)" if i > 0 else "a"
    out.append(
        f"  static int M{i}(int a, double b) {{\n"
        f"    int s = {i};\n"
        f"    for (int k = 0; k < (a & 7); k++) {{ s += k * {i % 13 + 1}; s ^= s >> 3; }}\n"
        f"    double d = b * {i % 17 + 1}.5 + s;\n"
        f"    if (d > 100.0) s -= (int)d; else s += a > 0 ? {callee} : 1;\n"
        f"    return s;\n"
        f"  }}"
    )
out.append("  static int Main() { Console.WriteLine(M%d(3, 1.5)); return 0; }" % (n - 1))
out.append("}")
print("\n".join(out))
