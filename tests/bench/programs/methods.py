#!/usr/bin/env python3
"""Writes a C# program whose Main calls each of N small static methods once (default 1,000),
for issue 8's JIT-tier measurement: under `ngen-build run --jit always` and under mono every
one of them is JIT-compiled before it runs, so the run measures the JIT's cost per method.
Usage: methods.py [N] > methods.cs"""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
out = ["using System;", "static class Methods {"]
for i in range(n):
    out.append(
        f"  static int M{i}(int a, double b) {{\n"
        f"    int s = {i};\n"
        f"    for (int k = 0; k < (a & 7); k++) {{ s += k * {i % 13 + 1}; s ^= s >> 3; }}\n"
        f"    double d = b * {i % 17 + 1}.5 + s;\n"
        f"    return d > 100.0 ? s - (int)d : s + a;\n"
        f"  }}"
    )
calls = "\n".join(f"    sum += M{i}(sum & 15, 1.5);" for i in range(n))
out.append(f"  static int Main() {{\n    int sum = 0;\n{calls}\n    Console.WriteLine(sum);\n    return 0;\n  }}")
out.append("}")
print("\n".join(out))
