// n-body, shaped as the Computer Language Benchmarks Game program: a simple symplectic
// integrator of the Jovian planets, objects with double fields in an array.
// Usage: nbody.exe [steps]   (default 5000000)
using System;

class Body
{
    public double x, y, z, vx, vy, vz, mass;
}

class NBody
{
    const double Pi = 3.141592653589793;
    const double SolarMass = 4 * Pi * Pi;
    const double DaysPerYear = 365.24;

    static Body[] CreateBodies()
    {
        Body sun = new Body();
        sun.mass = SolarMass;
        Body jupiter = Planet(4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
            1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05, 9.54791938424326609e-04);
        Body saturn = Planet(8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
            -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05, 2.85885980666130812e-04);
        Body uranus = Planet(1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
            2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05, 4.36624404335156298e-05);
        Body neptune = Planet(1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
            2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05, 5.15138902046611451e-05);
        Body[] bodies = new Body[] { sun, jupiter, saturn, uranus, neptune };

        double px = 0, py = 0, pz = 0;
        for (int i = 0; i < bodies.Length; i++)
        {
            Body b = bodies[i];
            px += b.vx * b.mass;
            py += b.vy * b.mass;
            pz += b.vz * b.mass;
        }
        sun.vx = -px / SolarMass;
        sun.vy = -py / SolarMass;
        sun.vz = -pz / SolarMass;
        return bodies;
    }

    static Body Planet(double x, double y, double z, double vx, double vy, double vz, double mass)
    {
        Body b = new Body();
        b.x = x;
        b.y = y;
        b.z = z;
        b.vx = vx * DaysPerYear;
        b.vy = vy * DaysPerYear;
        b.vz = vz * DaysPerYear;
        b.mass = mass * SolarMass;
        return b;
    }

    static void Advance(Body[] bodies, double dt)
    {
        for (int i = 0; i < bodies.Length; i++)
        {
            Body a = bodies[i];
            for (int j = i + 1; j < bodies.Length; j++)
            {
                Body b = bodies[j];
                double dx = a.x - b.x, dy = a.y - b.y, dz = a.z - b.z;
                double d2 = dx * dx + dy * dy + dz * dz;
                double mag = dt / (d2 * Math.Sqrt(d2));
                a.vx -= dx * b.mass * mag;
                a.vy -= dy * b.mass * mag;
                a.vz -= dz * b.mass * mag;
                b.vx += dx * a.mass * mag;
                b.vy += dy * a.mass * mag;
                b.vz += dz * a.mass * mag;
            }
        }
        for (int i = 0; i < bodies.Length; i++)
        {
            Body b = bodies[i];
            b.x += dt * b.vx;
            b.y += dt * b.vy;
            b.z += dt * b.vz;
        }
    }

    static double Energy(Body[] bodies)
    {
        double e = 0.0;
        for (int i = 0; i < bodies.Length; i++)
        {
            Body a = bodies[i];
            e += 0.5 * a.mass * (a.vx * a.vx + a.vy * a.vy + a.vz * a.vz);
            for (int j = i + 1; j < bodies.Length; j++)
            {
                Body b = bodies[j];
                double dx = a.x - b.x, dy = a.y - b.y, dz = a.z - b.z;
                e -= (a.mass * b.mass) / Math.Sqrt(dx * dx + dy * dy + dz * dz);
            }
        }
        return e;
    }

    static void Main(string[] args)
    {
        int steps = args.Length > 0 ? int.Parse(args[0]) : 5000000;
        Body[] bodies = CreateBodies();
        Console.WriteLine(Energy(bodies).ToString("F9"));
        for (int i = 0; i < steps; i++)
            Advance(bodies, 0.01);
        Console.WriteLine(Energy(bodies).ToString("F9"));
    }
}
